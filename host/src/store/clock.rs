//! RFC 3339 timestamps from `SystemTime`, so the store needs no date crate for the one format it writes.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in UTC with millisecond precision, e.g. `2025-03-01T12:34:56.789Z`. Text in this fixed-width form sorts in
/// time order, which keeps `ORDER BY created_at` meaningful.
pub(super) fn now_rfc3339() -> String {
    // A clock before 1970 is a misconfigured machine; clamping beats refusing to store anything.
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format_rfc3339(since_epoch.as_secs(), since_epoch.subsec_millis())
}

fn format_rfc3339(secs: u64, millis: u32) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's `civil_from_days`, restricted to days on or after 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::format_rfc3339;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 exercises the leap-day and century rules together.
        assert_eq!(format_rfc3339(951_782_400 + 3_723, 45), "2000-02-29T01:02:03.045Z");
        assert_eq!(format_rfc3339(1_735_689_599, 999), "2024-12-31T23:59:59.999Z");
    }
}
