/*
 * NCRONTAB as the Functions timer trigger reads it: six fields,
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, each `*`, a value, a range `a-b`, a list
 * `a,b`, with an optional step `/n` (learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions).
 * Months and days of the week may be named (`Jan`, `Mon`).
 */

/** The sweep's default schedule: hourly, on the hour. */
export const defaultSweepSchedule = "0 0 * * * *";

const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const fields: readonly {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  base?: number;
}[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: months, base: 1 },
  { name: "day of week", min: 0, max: 6, names: days, base: 0 },
];

function valueOf(text: string, field: (typeof fields)[number]): number | undefined {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return named < 0 ? undefined : named + (field.base ?? 0);
}

function itemProblem(item: string, field: (typeof fields)[number]): string | undefined {
  const [range, step, extra] = item.split("/");
  if (range === undefined || range === "" || extra !== undefined) return `'${item}' is not a valid item`;
  if (step !== undefined && !/^[1-9]\d{0,1}$/.test(step)) return `'${item}' has an invalid step`;
  if (range === "*") return undefined;
  const [from, to, more] = range.split("-");
  if (more !== undefined || from === undefined) return `'${item}' is not a valid range`;
  const a = valueOf(from, field);
  if (a === undefined) return `'${from}' is not a valid ${field.name} (${field.min}-${field.max})`;
  if (to === undefined) return undefined;
  const b = valueOf(to, field);
  if (b === undefined) return `'${to}' is not a valid ${field.name} (${field.min}-${field.max})`;
  return a > b ? `'${range}' runs backwards` : undefined;
}

/**
 * Why `expression` is not a six-field NCRONTAB schedule, or undefined when it is. A five-field
 * (classic cron) expression is refused by name, because the host would read its minutes as seconds.
 */
export function ncrontabProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== fields.length) {
    return `expected 6 NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}), got ${parts.length}`;
  }
  for (const [i, part] of parts.entries()) {
    const field = fields[i];
    if (field === undefined) continue;
    for (const item of part.split(",")) {
      const problem = itemProblem(item, field);
      if (problem !== undefined) return `${field.name} field: ${problem}`;
    }
  }
  return undefined;
}

/**
 * The timer trigger's `schedule`: the app setting's binding expression when the setting is present
 * (the host resolves and validates it), otherwise the default, because a binding expression naming
 * a missing setting stops the host from loading the function at all.
 */
export function sweepScheduleBinding(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.CMKR_SWEEP_SCHEDULE;
  return value === undefined || value.trim() === "" ? defaultSweepSchedule : "%CMKR_SWEEP_SCHEDULE%";
}
