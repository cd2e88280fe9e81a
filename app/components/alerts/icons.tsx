/** Stroke icons of the alerts UI, in the app's 16-unit icon frame. */
import { Icon } from '../canvas/icons';

export const BellIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M4 11.5V7a4 4 0 0 1 8 0v4.5l1 1.5H3z" />
    <path d="M6.5 14.5a1.6 1.6 0 0 0 3 0" />
  </Icon>
);

export const CheckIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M3.5 8.5l3 3 6-7" />
  </Icon>
);

export const SirenIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M8 2.5l6 10.5H2z" />
    <path d="M8 6.5v3M8 11.3v.2" />
  </Icon>
);

export const WebhookIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M6 5.5a2.5 2.5 0 1 1 3.5 2.3L11 11" />
    <circle cx="11.5" cy="11.5" r="1.8" />
    <path d="M4.5 13.3A2.5 2.5 0 0 1 5 8.5l1.5 3H11" />
  </Icon>
);

export const MailIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <rect x="2" y="3.5" width="12" height="9" rx="1.5" />
    <path d="M2.5 4.5L8 9l5.5-4.5" />
  </Icon>
);

export const PencilIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M10.5 2.5l3 3-8 8H2.5v-3z" />
  </Icon>
);

export const TrashIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9" />
  </Icon>
);
