/** The icon and label of a node kind, as the panels show them. */
import { DATABASE_PRESETS, type DatabasePresetId } from '../../../sync';

export function KindIcon({ kind, size = 18 }: { kind: string; size?: number }) {
  const common = {
    width: size,
    height: size,
    viewBox: '0 0 20 20',
    fill: 'none',
    stroke: 'currentColor',
    strokeWidth: 1.6,
    strokeLinejoin: 'round' as const,
    strokeLinecap: 'round' as const,
    'aria-hidden': true,
  };
  if (kind === 'database') {
    return (
      <svg {...common}>
        <ellipse cx="10" cy="4.5" rx="6" ry="2.5" />
        <path d="M4 4.5v11c0 1.4 2.7 2.5 6 2.5s6-1.1 6-2.5v-11" />
        <path d="M4 10c0 1.4 2.7 2.5 6 2.5s6-1.1 6-2.5" />
      </svg>
    );
  }
  if (kind === 'volume') {
    return (
      <svg {...common}>
        <rect x="2.5" y="5" width="15" height="10" rx="2" />
        <path d="M2.5 11h15" />
        <circle cx="14" cy="13" r="0.6" fill="currentColor" />
      </svg>
    );
  }
  return (
    <svg {...common}>
      <path d="M10 2.5l6.5 3.6v7.8L10 17.5l-6.5-3.6V6.1z" />
      <path d="M3.5 6.1L10 9.7l6.5-3.6M10 9.7v7.8" />
    </svg>
  );
}

export function kindLabel(kind: string, preset?: unknown): string {
  if (kind === 'database') {
    return typeof preset === 'string' && preset in DATABASE_PRESETS
      ? DATABASE_PRESETS[preset as DatabasePresetId].label
      : 'Database';
  }
  if (kind === 'volume') return 'Volume';
  if (kind === 'service') return 'Service';
  return kind;
}
