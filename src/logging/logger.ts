import pino from 'pino';
type PinoLogger = pino.Logger;
type DestinationStream = pino.DestinationStream;

/** Structured process logger. Children carry context such as runId and step. */
export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child' | 'level'>;

export interface LoggerOptions {
  /** @defaultValue PATROL_LOG_LEVEL or 'info' */
  level?: string;
  /** @defaultValue standard error, so stdout stays clean for --json output */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    { level: opts.level ?? process.env.PATROL_LOG_LEVEL ?? 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    opts.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything; for tests and benchmarks that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
