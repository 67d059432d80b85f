/**
 * One event of a delivery that could not be decoded. Carries the JSON path of the offending field so the
 * sender can fix it; the message never contains the event body (ARM events carry the caller's claims).
 */
export class EventDecodeError extends Error {
  /** Stable code for reports and HTTP answers. */
  readonly code = "EventInvalid";

  /**
   * @param field - JSON path of the bad field inside the delivery, e.g. `[2].data.Version`; `$` for the
   *   whole delivery.
   * @param problem - what was expected, e.g. `expected a string, got a number`.
   * @param eventIndex - position of the event in the delivery; undefined when the delivery itself is
   *   unreadable.
   */
  constructor(
    readonly field: string,
    readonly problem: string,
    readonly eventIndex?: number | undefined,
  ) {
    super(`${field}: ${problem}`);
    this.name = "EventDecodeError";
  }

  /** Plain form for JSON reports and logs (no stack). */
  toJSON(): { code: "EventInvalid"; field: string; eventIndex?: number; message: string } {
    return {
      code: this.code,
      field: this.field,
      ...(this.eventIndex === undefined ? {} : { eventIndex: this.eventIndex }),
      message: this.message,
    };
  }
}
