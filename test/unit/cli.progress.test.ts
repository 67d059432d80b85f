import { describe, expect, it } from "vitest";
import { createProgress, progressWanted, type ProgressStream } from "../../src/cli/progress.js";

function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  const stream: ProgressStream = {
    isTTY,
    columns,
    write: (text: string) => writes.push(text),
  };
  return { stream, writes };
}

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const env = {};

describe("progress line", () => {
  it("is drawn on a terminal at most once per interval, in place, and erased when done", () => {
    const { stream, writes } = fakeStream(true);
    const c = clock();
    const progress = createProgress(stream, { env, now: c.now, intervalMs: 100 });
    let count = 0;
    const line = () => `read ${++count}`;
    progress.update(line); // before the first interval: short runs draw nothing
    expect(writes).toEqual([]);
    c.advance(100);
    progress.update(line);
    c.advance(40);
    progress.update(line);
    progress.update(line);
    c.advance(60);
    progress.update(line);
    expect(writes).toEqual(["\rread 1\x1b[K", "\rread 2\x1b[K"]);
    progress.done();
    progress.done();
    progress.update(line);
    expect(writes).toEqual(["\rread 1\x1b[K", "\rread 2\x1b[K", "\r\x1b[K"]);
    expect(count).toBe(2); // lines that are not drawn are never built
  });

  it("is cut to the terminal width", () => {
    const { stream, writes } = fakeStream(true, 30);
    const c = clock();
    const progress = createProgress(stream, { env, now: c.now });
    c.advance(100);
    progress.update(() => "x".repeat(100));
    expect(writes[0]).toBe(`\r${"x".repeat(28)}…\x1b[K`);
    const unknown = fakeStream(true, 0);
    const other = createProgress(unknown.stream, { env, now: c.now });
    c.advance(100);
    other.update(() => "y".repeat(100));
    expect(unknown.writes[0]).toBe(`\r${"y".repeat(78)}…\x1b[K`);
  });

  it("writes nothing, not even the erase, when nothing was drawn", () => {
    const { stream, writes } = fakeStream(true);
    const progress = createProgress(stream, { env, now: () => 0 });
    progress.update(() => "quick");
    progress.done();
    expect(writes).toEqual([]);
  });

  it.each([
    ["piped (not a TTY)", false, {}, {}],
    ["--json", true, { json: true }, {}],
    ["CI=true", true, {}, { CI: "true" }],
    ["CI=1", true, {}, { CI: "1" }],
    ["TERM=dumb", true, {}, { TERM: "dumb" }],
  ])("stays silent %s", (_, isTTY, options, environment) => {
    const { stream, writes } = fakeStream(isTTY);
    const c = clock();
    expect(progressWanted(stream, { ...options, env: environment })).toBe(false);
    const progress = createProgress(stream, { ...options, env: environment, now: c.now });
    c.advance(1000);
    progress.update(() => "hidden");
    progress.done();
    expect(writes).toEqual([]);
  });

  it("is wanted on a terminal with CI unset or false", () => {
    expect(progressWanted(fakeStream(true).stream, { env: { CI: "false", TERM: "xterm-256color" } })).toBe(
      true,
    );
    expect(progressWanted(undefined, { env })).toBe(false);
  });
});
