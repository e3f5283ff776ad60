import type { Status } from '../runner/status';

/** One colour per status, shared by the HTML report and its screenshot check. */
export const STATUS_COLOURS: Readonly<Record<Status, { bg: string; fg: string }>> = {
  pass: { bg: '#2e7d32', fg: '#ffffff' },
  fail: { bg: '#c62828', fg: '#ffffff' },
  skip: { bg: '#90a4ae', fg: '#000000' },
  timeout: { bg: '#ef6c00', fg: '#000000' },
  crash: { bg: '#6a1b9a', fg: '#ffffff' },
  incomplete: { bg: '#795548', fg: '#ffffff' },
  abort: { bg: '#263238', fg: '#ffffff' },
  notrun: { bg: '#e0e0e0', fg: '#000000' },
  'dmesg-warn': { bg: '#fbc02d', fg: '#000000' },
  'dmesg-fail': { bg: '#ad1457', fg: '#ffffff' },
};

export function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
