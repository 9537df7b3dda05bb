export type AlertState = 'firing' | 'resolved';

/** The last notification of an alert on one channel. */
export interface ChannelNotice {
  at: number;
  state: AlertState;
}

/** An alert as stored: identified by the fingerprint of its labels, across runs. */
export interface AlertRecord {
  fingerprint: string;
  /** The inspection whose runs fire and resolve it ("" for runs without one). */
  inspection: string;
  rule: string;
  state: AlertState;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The finding (check + target) it stands for. */
  findingFingerprint: string;
  check: string;
  target: string;
  host: string | null;
  severity: string;
  startsAt: number;
  endsAt: number | null;
  lastSeenAt: number;
  /** The last run that evaluated it (fired, kept or resolved it). */
  lastRunId: string;
  notified: Record<string, ChannelNotice>;
  /** Silences matching it at the last evaluation. */
  silencedBy: string[];
  updatedAt: number;
}
