// Reads .ics files with Mozilla's ical.js (the parser inside Thunderbird) and prints
// what it understood as JSON, one object per file, for the Python tests to compare.
// Usage: node parse.mjs FILE...
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = (component, name) => {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : String(value);
};

const files = process.argv.slice(2).map((path) => {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      location: event.location,
      description: event.description,
      status: text(vevent, "status"),
      sequence: event.sequence,
      allDay: event.startDate.isDate,
      start: event.startDate.isDate ? event.startDate.toString() : event.startDate.toUnixTime(),
      end: event.endDate.isDate ? event.endDate.toString() : event.endDate.toUnixTime(),
      geo: vevent.getFirstPropertyValue("geo"),
      categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues()),
      url: text(vevent, "url"),
      appleTitle: vevent.getFirstProperty("x-apple-structured-location")?.getParameter("x-title") ?? null,
      // Each alarm's action and the local wall time it fires at: the trigger added to
      // DTSTART read as the start of its day (an all-day event's trigger is floating).
      alarms: vevent.getAllSubcomponents("valarm").map((valarm) => {
        const trigger = valarm.getFirstPropertyValue("trigger");
        const at = event.startDate.clone();
        at.isDate = false;
        at.addDuration(trigger);
        return { action: text(valarm, "action"), description: text(valarm, "description"),
                 trigger: trigger.toString(), at: at.toString() };
      }),
    };
  });
  return {
    path,
    name: text(calendar, "x-wr-calname"),
    prodid: text(calendar, "prodid"),
    method: text(calendar, "method"),
    components: calendar.getAllSubcomponents().map((c) => c.name),
    events,
  };
});
process.stdout.write(JSON.stringify(files));
