/** Small stroke icons for the canvas, drawn on a 16-unit grid in `currentColor`. */
import type { ReactNode } from 'react';

/** The frame every 16-unit stroke icon in the app is drawn in. */
export function Icon({ children, size = 16 }: { children: ReactNode; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden
    >
      {children}
    </svg>
  );
}

export const PlusIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M8 3v10M3 8h10" />
  </Icon>
);

export const UndoIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M5.5 3.5L2.5 6.5l3 3" />
    <path d="M2.5 6.5h7a4 4 0 0 1 0 8H7" />
  </Icon>
);

export const RedoIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M10.5 3.5l3 3-3 3" />
    <path d="M13.5 6.5h-7a4 4 0 0 0 0 8H9" />
  </Icon>
);

export const TrashIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M2.75 4.25h10.5M6.25 4.25V2.75h3.5v1.5M4 4.25l.6 9h6.8l.6-9M6.75 7v3.75M9.25 7v3.75" />
  </Icon>
);

export const GlobeIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <circle cx="8" cy="8" r="6.25" />
    <path d="M1.75 8h12.5M8 1.75c1.7 1.8 2.5 3.9 2.5 6.25S9.7 12.45 8 14.25C6.3 12.45 5.5 10.35 5.5 8S6.3 3.55 8 1.75z" />
  </Icon>
);

export const AlertIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M8 1.75l6.5 11.5h-13z" />
    <path d="M8 6.25v3M8 11.4h.01" />
  </Icon>
);

export const PencilIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M10.5 2.5l3 3L5.5 13.5H2.5v-3z" />
  </Icon>
);

export const EyeIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M1.5 8S4 3.25 8 3.25 14.5 8 14.5 8 12 12.75 8 12.75 1.5 8 1.5 8z" />
    <circle cx="8" cy="8" r="2" />
  </Icon>
);

export const LayersIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M8 1.75l6.25 3.25L8 8.25 1.75 5z" />
    <path d="M1.75 8.25L8 11.5l6.25-3.25M1.75 11.25L8 14.5l6.25-3.25" />
  </Icon>
);

export const CloseIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M4 4l8 8M12 4l-8 8" />
  </Icon>
);

export const ChevronDownIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M4.5 6.5L8 10l3.5-3.5" />
  </Icon>
);
