/** Stroke icons of the panel's Logs, Metrics and Deployments tabs, on the canvas icons' grid. */
import { Icon } from '../canvas/icons';

type P = { size?: number };

export const SearchIcon = (p: P) => (
  <Icon {...p}>
    <circle cx="7" cy="7" r="4.25" />
    <path d="M10.2 10.2l3.3 3.3" />
  </Icon>
);

export const DownloadIcon = (p: P) => (
  <Icon {...p}>
    <path d="M8 2.5v8M4.75 7.5L8 10.75 11.25 7.5M3 13.5h10" />
  </Icon>
);

export const PauseIcon = (p: P) => (
  <Icon {...p}>
    <path d="M5.5 3.5v9M10.5 3.5v9" />
  </Icon>
);

export const ArrowDownIcon = (p: P) => (
  <Icon {...p}>
    <path d="M8 3v10M4 9l4 4 4-4" />
  </Icon>
);

export const ClockIcon = (p: P) => (
  <Icon {...p}>
    <circle cx="8" cy="8" r="5.75" />
    <path d="M8 4.75V8l2.25 1.5" />
  </Icon>
);

export const LogsIcon = (p: P) => (
  <Icon {...p}>
    <path d="M3 4h10M3 8h7M3 12h9" />
  </Icon>
);

export const ChartIcon = (p: P) => (
  <Icon {...p}>
    <path d="M2.5 13.5h11M3.5 10.5l3-3.5 2.5 2 4-5" />
  </Icon>
);
