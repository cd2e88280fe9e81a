/** Stroke icons for deploying, on the canvas icons' 16-unit grid, in `currentColor`. */
import { Icon } from '../canvas/icons';

export const RocketIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M9.5 2.5c2-.5 3.5-.5 4 0s.5 2 0 4L9 11H5V7z" />
    <path d="M5 7L2.5 7.5 4 5.5h3M9 11l-.5 2.5 2-1.5V9" />
    <circle cx="10.3" cy="5.7" r="1" />
  </Icon>
);

export const ExternalIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M9 2.5h4.5V7M13.5 2.5L7 9M11.5 9.5v3a1 1 0 01-1 1h-7a1 1 0 01-1-1v-7a1 1 0 011-1h3" />
  </Icon>
);

export const CommitIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <circle cx="8" cy="8" r="2.5" />
    <path d="M1.5 8h4M10.5 8h4" />
  </Icon>
);

export const HistoryIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M2.5 8a5.5 5.5 0 101.6-3.9L2.5 5.7" />
    <path d="M2.5 2.5v3.2h3.2M8 5v3l2 1.5" />
  </Icon>
);

export const CheckIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M3.5 8.5l3 3 6-7" />
  </Icon>
);

export const CrossIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M4 4l8 8M12 4l-8 8" />
  </Icon>
);

export const CopyIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
    <path d="M10.5 5.5v-2a1 1 0 00-1-1h-6a1 1 0 00-1 1v6a1 1 0 001 1h2" />
  </Icon>
);

export const ServerIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <rect x="2.5" y="2.5" width="11" height="4.5" rx="1.2" />
    <rect x="2.5" y="9" width="11" height="4.5" rx="1.2" />
    <path d="M5 4.75h.01M5 11.25h.01" />
  </Icon>
);

export const KeyIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <circle cx="5.5" cy="10.5" r="3" />
    <path d="M7.7 8.3L13.5 2.5M11.5 4.5l1.5 1.5M10 6l1.2 1.2" />
  </Icon>
);

export const PlusIconSmall = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M8 3v10M3 8h10" />
  </Icon>
);
