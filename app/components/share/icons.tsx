/** Stroke icons of the share and preview controls, on a 16-unit grid in `currentColor`. */
import { Icon } from '../canvas/icons';

export const LinkIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M6.5 9.5l3-3" />
    <path d="M7 4.5l1.2-1.2a2.8 2.8 0 0 1 4 4L11 8.5" />
    <path d="M9 11.5l-1.2 1.2a2.8 2.8 0 0 1-4-4L5 7.5" />
  </Icon>
);

export const CopyIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
    <path d="M10.5 5.5V4a1.5 1.5 0 0 0-1.5-1.5H4A1.5 1.5 0 0 0 2.5 4v5A1.5 1.5 0 0 0 4 10.5h1.5" />
  </Icon>
);

export const CheckIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M3 8.5l3 3 7-7" />
  </Icon>
);

export const ClockIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <circle cx="8" cy="8" r="5.5" />
    <path d="M8 5v3l2 1.5" />
  </Icon>
);

export const BranchIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <circle cx="4.5" cy="3.5" r="1.5" />
    <circle cx="4.5" cy="12.5" r="1.5" />
    <circle cx="11.5" cy="5.5" r="1.5" />
    <path d="M4.5 5v6M11.5 7c0 3-7 2-7 4" />
  </Icon>
);

export const EyeIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M1.5 8S4 3.5 8 3.5 14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8z" />
    <circle cx="8" cy="8" r="2" />
  </Icon>
);

export const BrokenLinkIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M7 4.5l1.2-1.2a2.8 2.8 0 0 1 4 4L11 8.5" />
    <path d="M9 11.5l-1.2 1.2a2.8 2.8 0 0 1-4-4L5 7.5" />
    <path d="M2.5 2.5l11 11" />
  </Icon>
);
