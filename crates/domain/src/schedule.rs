//! Whether an agent is on duty: inside its weekly schedule and not on one of its holidays, in
//! its own time zone. Routing asks this only in workspaces that enforce schedules.
//!
//! The time zone database is compiled in (jiff's bundled tzdb), so the answer needs no I/O and
//! is the same on every machine.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;

use crate::Timestamp;
use crate::agent::{Holiday, TimeOfDay, WeeklySchedule, WorkingHours};

/// Whether `zone` is a time zone the database knows.
pub fn known_zone(zone: &str) -> bool {
    TimeZone::get(zone).is_ok()
}

/// On duty at `now`: with no schedule an agent keeps no hours (always on duty); with one, the
/// local time must fall within that weekday's hours (a day without hours is a day off), and the
/// local date must be none of the holidays. An unknown or missing zone counts as UTC.
pub fn on_duty(
    schedule: Option<&WeeklySchedule>,
    holidays: &[Holiday],
    timezone: Option<&str>,
    now: Timestamp,
) -> bool {
    if schedule.is_none() && holidays.is_empty() {
        return true;
    }
    let zone = timezone
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or(TimeZone::UTC);
    let Ok(instant) = jiff::Timestamp::from_millisecond(now.millis()) else {
        return true;
    };
    let local = instant.to_zoned(zone);
    let holiday = holidays.iter().any(|h| {
        i8::try_from(h.month) == Ok(local.month()) && i8::try_from(h.day) == Ok(local.day())
    });
    if holiday {
        return false;
    }
    let Some(schedule) = schedule else {
        return true;
    };
    let Some(hours) = hours_on(schedule, local.weekday()) else {
        return false;
    };
    let minute = |t: TimeOfDay| u16::from(t.hour) * 60 + u16::from(t.minute);
    let now_minute =
        u16::try_from(local.hour()).unwrap_or(0) * 60 + u16::try_from(local.minute()).unwrap_or(0);
    (minute(hours.from)..minute(hours.to)).contains(&now_minute)
}

fn hours_on(schedule: &WeeklySchedule, day: Weekday) -> Option<WorkingHours> {
    match day {
        Weekday::Monday => schedule.monday,
        Weekday::Tuesday => schedule.tuesday,
        Weekday::Wednesday => schedule.wednesday,
        Weekday::Thursday => schedule.thursday,
        Weekday::Friday => schedule.friday,
        Weekday::Saturday => schedule.saturday,
        Weekday::Sunday => schedule.sunday,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn nine_to_five() -> WorkingHours {
        let t = |hour| TimeOfDay { hour, minute: 0 };
        WorkingHours {
            from: t(9),
            to: t(17),
        }
    }

    #[test]
    fn hours_are_read_in_the_agents_own_zone() {
        let weekdays = WeeklySchedule {
            monday: Some(nine_to_five()),
            friday: Some(nine_to_five()),
            ..WeeklySchedule::default()
        };
        let amsterdam = Some("Europe/Amsterdam");
        // Monday 2026-11-23 08:30 UTC is 09:30 in Amsterdam (CET, UTC+1).
        assert!(on_duty(
            Some(&weekdays),
            &[],
            amsterdam,
            at("2026-11-23T08:30:00Z")
        ));
        assert!(!on_duty(
            Some(&weekdays),
            &[],
            None,
            at("2026-11-23T08:30:00Z")
        ));
        // 16:59 local is in, 17:00 is out.
        assert!(on_duty(
            Some(&weekdays),
            &[],
            amsterdam,
            at("2026-11-23T15:59:00Z")
        ));
        assert!(!on_duty(
            Some(&weekdays),
            &[],
            amsterdam,
            at("2026-11-23T16:00:00Z")
        ));
        // Tuesday has no hours: a day off.
        assert!(!on_duty(
            Some(&weekdays),
            &[],
            amsterdam,
            at("2026-11-24T10:00:00Z")
        ));
        // Summer time: 09:30 in Amsterdam on Monday 2026-06-01 is 07:30 UTC.
        assert!(on_duty(
            Some(&weekdays),
            &[],
            amsterdam,
            at("2026-06-01T07:30:00Z")
        ));
        // Sunday 23:30 in UTC is already Monday 08:30 in Tokyo: before hours.
        assert!(!on_duty(
            Some(&weekdays),
            &[],
            Some("Asia/Tokyo"),
            at("2026-11-22T23:30:00Z")
        ));
    }

    #[test]
    fn a_holiday_is_a_day_off_and_no_schedule_keeps_no_hours() {
        let christmas = Holiday {
            name: "Christmas".into(),
            day: 25,
            month: 12,
        };
        let every_day = WeeklySchedule {
            monday: Some(nine_to_five()),
            tuesday: Some(nine_to_five()),
            wednesday: Some(nine_to_five()),
            thursday: Some(nine_to_five()),
            friday: Some(nine_to_five()),
            ..WeeklySchedule::default()
        };
        let friday = at("2026-12-25T10:00:00Z");
        assert!(!on_duty(
            Some(&every_day),
            std::slice::from_ref(&christmas),
            None,
            friday
        ));
        assert!(!on_duty(
            None,
            std::slice::from_ref(&christmas),
            None,
            friday
        ));
        assert!(on_duty(Some(&every_day), &[], None, friday));
        assert!(on_duty(None, &[], None, friday));
        // The holiday follows the local date: 23:30 UTC on the 24th is the 25th in Amsterdam.
        let eve = at("2026-12-24T23:30:00Z");
        assert!(on_duty(None, std::slice::from_ref(&christmas), None, eve));
        let amsterdam = Some("Europe/Amsterdam");
        assert!(!on_duty(
            None,
            std::slice::from_ref(&christmas),
            amsterdam,
            eve
        ));
    }

    #[test]
    fn zones_are_checked_against_the_database() {
        assert!(known_zone("Europe/Amsterdam"));
        assert!(known_zone("UTC"));
        assert!(!known_zone("Europe/Atlantis"));
    }
}
