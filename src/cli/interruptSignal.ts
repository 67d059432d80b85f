/** The first interrupt of a long command, and a way to stop listening. */
export interface InterruptListener {
  readonly signal: Promise<NodeJS.Signals>;
  dispose(): void;
}

/**
 * Listens for the first SIGINT (Ctrl-C) or SIGTERM. Its handlers are removed on the first signal
 * (so a second Ctrl-C ends the process the default way, at once) and by `dispose`.
 */
export function listenForInterrupt(): InterruptListener {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const remove = (): void => {
    for (const s of signals) process.off(s, onSignal);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (s) => {
      remove();
      resolve(s);
    };
  });
  for (const s of signals) process.on(s, onSignal);
  return { signal, dispose: remove };
}
