use super::*;
use time::macros::{datetime, offset};

fn hm(s: &str) -> TimeOfDay {
    s.parse().unwrap()
}

fn local(s: &str) -> LocalDateTime {
    s.parse().unwrap()
}

#[test]
fn a_one_off_window_covers_from_up_to_but_not_including_to() {
    let w = MaintenanceWindow::once(local("2026-12-24 18:00"), local("2026-12-27 08:00"));
    w.validate().unwrap();
    assert_eq!(w.ends(datetime!(2026-12-24 17:59 +01:00)), None);
    assert_eq!(
        w.ends(datetime!(2026-12-24 18:00 +01:00)),
        Some(datetime!(2026-12-27 08:00))
    );
    assert!(w.ends(datetime!(2026-12-26 23:00 +01:00)).is_some());
    assert_eq!(w.ends(datetime!(2026-12-27 08:00 +01:00)), None);
}

#[test]
fn a_weekly_window_across_midnight_ends_the_next_morning() {
    // Sunday 23:00 to Monday 02:00.
    let w = MaintenanceWindow::weekly(&[Day::Sun], hm("23:00"), hm("02:00"));
    w.validate().unwrap();
    // 2026-11-29 is a Sunday.
    assert_eq!(w.ends(datetime!(2026-11-29 22:59 +00:00)), None);
    assert_eq!(
        w.ends(datetime!(2026-11-29 23:30 +00:00)),
        Some(datetime!(2026-11-30 02:00))
    );
    assert_eq!(
        w.ends(datetime!(2026-11-30 01:59 +00:00)),
        Some(datetime!(2026-11-30 02:00)),
        "Monday morning belongs to Sunday's window"
    );
    assert_eq!(w.ends(datetime!(2026-11-30 02:00 +00:00)), None);
    assert_eq!(
        w.ends(datetime!(2026-11-30 23:30 +00:00)),
        None,
        "not on Monday night"
    );
    // No days = every day.
    let daily = MaintenanceWindow::weekly(&[], hm("01:00"), hm("03:00"));
    assert!(daily.ends(datetime!(2026-12-02 02:00 +00:00)).is_some());
    assert!(daily.ends(datetime!(2026-12-02 03:00 +00:00)).is_none());
}

#[test]
fn windows_are_read_in_local_wall_clock_time_whatever_the_offset() {
    // The night the clocks go back in Berlin (2026-10-25, +02:00 -> +01:00): the window is
    // 01:00-03:00 on the wall clock before and after the change.
    let w = MaintenanceWindow::weekly(&[Day::Sun], hm("01:00"), hm("03:00"));
    for now in [
        datetime!(2026-10-25 01:30 +02:00),
        datetime!(2026-10-25 02:30 +02:00),
        datetime!(2026-10-25 02:30 +01:00),
    ] {
        assert_eq!(w.ends(now), Some(datetime!(2026-10-25 03:00)), "{now}");
    }
    assert_eq!(w.ends(datetime!(2026-10-25 03:00 +01:00)), None);
    // The same instant in another zone is another wall-clock time: outside.
    let instant = datetime!(2026-10-25 02:30 +01:00);
    assert_eq!(w.ends(instant.to_offset(offset!(-05:00))), None);
}

#[test]
fn bad_windows_are_refused_with_a_reason() {
    let cases = [
        (MaintenanceWindow::default(), "needs from and to"),
        (
            MaintenanceWindow::once(local("2026-12-02 10:00"), local("2026-12-02 09:00")),
            "before it starts",
        ),
        (
            MaintenanceWindow::weekly(&[Day::Mon], hm("10:00"), hm("10:00")),
            "must not be empty",
        ),
        (
            MaintenanceWindow {
                from: Some(local("2026-12-02 10:00")),
                start: Some(hm("10:00")),
                ..Default::default()
            },
            "not both",
        ),
        (
            MaintenanceWindow {
                start: Some(hm("10:00")),
                ..Default::default()
            },
            "needs both start and end",
        ),
    ];
    for (window, expected) in cases {
        let err = window.validate().unwrap_err();
        assert!(err.contains(expected), "{err:?} should say {expected:?}");
    }
    for bad in [
        "2026-13-01 10:00",
        "2026-02-30 10:00",
        "2026-12-01",
        "2026-12-01 25:00",
    ] {
        assert!(bad.parse::<LocalDateTime>().is_err(), "{bad}");
    }
    assert_eq!(local("2026-12-01T07:05").to_string(), "2026-12-01 07:05");
}

#[test]
fn run_time_windows_end_by_time_or_by_hand_and_end_a_configured_one_early() {
    let now = datetime!(2026-11-29 23:30 +00:00);
    let mut book = MaintenanceBook::default();
    let sunday_night = [MaintenanceWindow::weekly(
        &[Day::Sun],
        hm("23:00"),
        hm("02:00"),
    )];
    let some_agents = [MaintenanceWindow {
        agents: vec!["1001".into()],
        ..MaintenanceWindow::weekly(&[], hm("00:00"), hm("23:59"))
    }];
    book.set_schedules([("cc", &sunday_night[..]), ("ai", &some_agents[..])]);

    let cc = book.active("cc", None, now).expect("Sunday night");
    assert_eq!((cc.until.as_str(), cc.scheduled), ("Mon 02:00", true));
    assert!(book.active("ai", None, now).is_none(), "only agent 1001");
    assert!(book.active("ai", Some("1002"), now).is_none());
    assert!(book.active("ai", Some("1001"), now).is_some());

    // A run-time window that lasts longer wins; ending it by hand ends the configured one too.
    book.start(
        MaintenanceTarget::account("cc"),
        now + time::Duration::hours(4),
    );
    let cc = book.active("cc", None, now).unwrap();
    assert_eq!((cc.until.as_str(), cc.scheduled), ("Mon 03:30", false));
    assert!(book.end(&MaintenanceTarget::account("cc"), now));
    assert!(book.active("cc", None, now).is_none());
    assert!(
        book.active("cc", None, now + time::Duration::hours(1))
            .is_none(),
        "ended until the configured window's own end"
    );
    assert!(
        !book.end(&MaintenanceTarget::account("cc"), now),
        "nothing left"
    );
    // Next Sunday it is back.
    let next_sunday = now + time::Duration::days(7);
    book.prune(next_sunday);
    assert!(book.active("cc", None, next_sunday).is_some());

    // A run-time window runs out on its own.
    book.start(
        MaintenanceTarget::account("x"),
        now + time::Duration::minutes(5),
    );
    assert!(
        book.active("x", Some("any"), now).is_some(),
        "covers its agents"
    );
    assert_eq!(book.adhoc(now).len(), 1);
    assert!(book
        .active("x", None, now + time::Duration::minutes(5))
        .is_none());
    assert!(book.adhoc(now + time::Duration::minutes(5)).is_empty());

    let listed = book.list(now);
    assert!(listed
        .iter()
        .any(|m| m.account_id == "ai" && m.agent_id.as_deref() == Some("1001")));
    assert!(listed
        .iter()
        .any(|m| m.account_id == "x" && m.agent_id.is_none()));
}
