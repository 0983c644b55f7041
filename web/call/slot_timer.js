// The call timer: elapsed time and time left in the booked slot. Calls are
// booked in 30-minute slots; the join link may carry the slot end as ?ends=.

export const SLOT_MINUTES = 30;
// From this many seconds before the slot end the time left is shown as a warning.
export const WARNING_SECONDS = 5 * 60;

// Returns the slot end: the ISO 8601 time in endsParam when it parses, else
// SLOT_MINUTES after joinedAt.
export function slotEnd(endsParam, joinedAt) {
  if (endsParam) {
    const parsed = new Date(endsParam);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return new Date(joinedAt.getTime() + SLOT_MINUTES * 60 * 1000);
}

// Whole seconds elapsed since start and left until end (never negative).
export function slotTimes(now, start, end) {
  return {
    elapsedSeconds: Math.max(0, Math.floor((now - start) / 1000)),
    remainingSeconds: Math.max(0, Math.ceil((end - now) / 1000)),
  };
}

// Splits seconds into minutes and seconds for "mm:ss".
export function clockParts(totalSeconds) {
  return { minutes: Math.floor(totalSeconds / 60), seconds: totalSeconds % 60 };
}
