/**
 * Event Grid's delivery limits (push delivery to a webhook or Azure Function):
 * - an event is at most 1 MB ("Event size: 1 MB. This limit can't be increased.",
 *   https://learn.microsoft.com/azure/event-grid/quotas-limits);
 * - a delivery batch holds at most 5,000 events ("Max events per batch ... between 1 and 5,000")
 *   and a preferred size of at most 1,024 KB ("Preferred batch size in kilobytes ... between 1 and
 *   1024"), a single larger event going alone
 *   (https://learn.microsoft.com/azure/event-grid/delivery-and-retry#batched-event-delivery).
 * A delivery beyond them cannot have come from Event Grid, and `/api/events` refuses a body over
 * 1 MiB with 413.
 */
export const eventGridLimits = {
  maxEventBytes: 1024 * 1024,
  maxEventsPerBatch: 5000,
  maxBatchBytes: 1024 * 1024,
} as const;

/**
 * Splits `count` events into batches Event Grid could deliver: at most `maxEventsPerBatch` events
 * and `maxBatchBytes` bytes each (a single event over the byte limit goes alone), in order.
 * `sizeAt(i)` is the size in bytes of event `i` as serialized. Returns `[start, end)` index ranges.
 */
export function eventGridBatches(count: number, sizeAt: (index: number) => number): [number, number][] {
  const batches: [number, number][] = [];
  let start = 0;
  let bytes = 2; // the array's brackets
  for (let i = 0; i < count; i++) {
    const size = sizeAt(i) + 1; // and its comma
    if (
      i > start &&
      (i - start >= eventGridLimits.maxEventsPerBatch || bytes + size > eventGridLimits.maxBatchBytes)
    ) {
      batches.push([start, i]);
      start = i;
      bytes = 2;
    }
    bytes += size;
  }
  if (count > start) batches.push([start, count]);
  return batches;
}
