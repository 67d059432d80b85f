import host from "../../host.json" with { type: "json" };

/**
 * Deliveries of a queue message before the Functions host moves it to the poison queue. Read from
 * host.json so the local worker loop and the deployed app retry alike.
 */
export const maxDequeueCount: number = host.extensions.queues.maxDequeueCount;
