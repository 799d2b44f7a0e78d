// A fake Rust side for component tests: `mockIPC` answers the snake_case commands the generated bindings
// send, records every call, and lets a test hold an answer back to control ordering.

import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppError } from "../lib/bindings";

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export type Handler = (args: Record<string, unknown>) => unknown;

/** Rejects the way the Rust side does: with the serialized `AppError` (not an `Error`). */
export function appError(code: AppError["code"], message: string): never {
  throw { code, message } satisfies AppError;
}

export interface FakeIpc {
  calls: Call[];
  /** Calls of one command, in order. */
  callsOf(cmd: string): Record<string, unknown>[];
  /** Replace or add handlers while a test runs. */
  set(cmd: string, handler: Handler): void;
}

export function fakeIpc(handlers: Record<string, Handler>): FakeIpc {
  const table = new Map(Object.entries(handlers));
  const calls: Call[] = [];
  mockIPC((cmd, payload) => {
    const args = (payload ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    const handler = table.get(cmd);
    if (!handler) throw new Error(`unexpected IPC command ${cmd}`);
    return handler(args);
  });
  return {
    calls,
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    set: (cmd, handler) => table.set(cmd, handler),
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
