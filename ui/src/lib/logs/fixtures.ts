// Log lines and batches for the Logs tests, shaped as the Rust side sends them.

import type { LogBatch, LogLine, LogStream, ServiceLogState } from "../bindings";

let nextSeq = 1;

export function resetSeq(): void {
  nextSeq = 1;
}

export function line(service: string, text: string, stream: LogStream = "stdout"): LogLine {
  const seq = nextSeq++;
  const timeMs = 1_700_000_000_000 + seq;
  return {
    seq,
    service,
    container: `demo-${service}-1`,
    stream,
    timestamp: new Date(timeMs).toISOString().replace("Z", "000000Z"),
    timeMs,
    text,
    partial: false,
  };
}

export function state(service: string, patch: Partial<ServiceLogState> = {}): ServiceLogState {
  return { service, lines: 0, bytes: 0, dropped: 0, total: 0, firstSeq: null, containers: [`demo-${service}-1`], ...patch };
}

/** A batch of `lines` whose service states say every line so far is kept (or what `states` says). */
export function batch(lines: LogLine[], states: ServiceLogState[] = [], notices: LogBatch["notices"] = []): LogBatch {
  return { lines, notices, services: states, maxLinesPerService: 10000, maxBytesPerService: 4194304 };
}
