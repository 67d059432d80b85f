import { InvalidArgumentError } from "commander";

/** Parses a TCP port option (0 lets the system pick one). */
export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError("Expected a port number from 0 to 65535.");
  }
  return port;
}
