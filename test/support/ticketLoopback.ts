import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** One request the server received. */
export interface TicketRequestSeen {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** An answer: a JSON value (or raw text when `text` is set) with optional headers. */
export interface TicketAnswer {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/** A real HTTP server on 127.0.0.1 standing in for GitHub, Azure DevOps or a webhook receiver. */
export interface TicketLoopback {
  url: string;
  received: TicketRequestSeen[];
  close(): Promise<void>;
}

/** Starts the server on a free port; `answer` decides every response. */
export async function startTicketLoopback(
  answer: (request: TicketRequestSeen) => TicketAnswer,
): Promise<TicketLoopback> {
  const received: TicketRequestSeen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request: TicketRequestSeen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(request);
      let a: TicketAnswer;
      try {
        a = answer(request);
      } catch (error) {
        a = { status: 500, json: { message: error instanceof Error ? error.message : String(error) } };
      }
      const text = a.text ?? (a.json === undefined ? "" : JSON.stringify(a.json));
      res.writeHead(a.status, {
        "content-type": a.text === undefined ? "application/json; charset=utf-8" : "text/html",
        ...a.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
