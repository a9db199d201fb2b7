//! The tray icon's balloon (`Shell_NotifyIconW` with `NIF_INFO`): where a notification goes on
//! Windows when a toast cannot be shown (editions or policies without toasts, Wine). Windows 10
//! and 11 draw the balloon as a toast of the tray icon's own; older Windows and Wine draw a
//! balloon at the tray icon. (The text handling is built everywhere, so that its tests run on
//! the Linux build machine too.)

#[cfg(windows)]
use windows_sys::Win32::UI::Shell::{
    Shell_NotifyIconW, NIF_INFO, NIIF_ERROR, NIIF_INFO, NIIF_WARNING, NIM_MODIFY, NOTIFYICONDATAW,
};

/// The highest icon number tried (see [`show`]).
#[cfg(windows)]
const MAX_ICON_ID: u32 = 32;
/// How long the balloon stays (Windows keeps it between 10 and 30 s, and follows the user's
/// accessibility setting on 10 and 11).
#[cfg(windows)]
const SHOW_FOR_MS: u32 = 10_000;

/// The number tray-icon gave our icon, once found.
#[cfg(windows)]
static ICON_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Shows `n` in a balloon at the tray icon; the summary is its title, the body its text.
#[cfg(windows)]
pub fn show<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    n: &agentwatch_core::notifier::Notification,
) -> Result<(), String> {
    use agentwatch_core::notifier::Urgency;
    use std::sync::atomic::Ordering;
    let tray = app
        .tray_by_id(super::TRAY_ID)
        .ok_or("there is no tray icon to show a balloon at")?;
    // The handle crosses threads as a number: the window itself stays on the main thread.
    let window = tray
        .with_inner_tray_icon(|inner| inner.window_handle() as isize)
        .map_err(|e| format!("the tray icon did not answer: {e}"))?;
    // SAFETY: NOTIFYICONDATAW is plain data; all zeroes is its empty value.
    let mut data: NOTIFYICONDATAW = unsafe { std::mem::zeroed() };
    data.cbSize = std::mem::size_of::<NOTIFYICONDATAW>() as u32;
    data.hWnd = window as _;
    data.uFlags = NIF_INFO;
    data.dwInfoFlags = match n.urgency {
        Urgency::Critical => NIIF_ERROR,
        Urgency::Normal => NIIF_WARNING,
        Urgency::Low => NIIF_INFO,
    };
    data.Anonymous.uTimeout = SHOW_FOR_MS;
    fill_wide(&mut data.szInfoTitle, &n.summary);
    fill_wide(&mut data.szInfo, &n.body);
    // An icon is named by its window and a number. tray-icon numbers its icons from 1 and does
    // not tell which it gave ours, but the window is ours alone: the number Windows accepts
    // for it is ours, found once.
    let known = ICON_ID.load(Ordering::Relaxed);
    let candidates = std::iter::once(known)
        .filter(|id| *id != 0)
        .chain(1..=MAX_ICON_ID);
    for id in candidates {
        data.uID = id;
        // SAFETY: `data` is a valid, fully initialised NOTIFYICONDATAW of the size it says.
        if unsafe { Shell_NotifyIconW(NIM_MODIFY, &data) } != 0 {
            ICON_ID.store(id, Ordering::Relaxed);
            return Ok(());
        }
    }
    Err("Windows did not take the tray balloon (no tray icon of ours answered)".into())
}

/// Copies `text` into a fixed UTF-16 field: control characters (line breaks of vendor text)
/// become spaces, and text too long ends in "…" within the field and its final NUL.
#[cfg_attr(not(windows), allow(dead_code))]
fn fill_wide(field: &mut [u16], text: &str) {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let wide: Vec<u16> = clean.encode_utf16().collect();
    let room = field.len() - 1;
    let (body, ellipsis) = if wide.len() <= room {
        (&wide[..], false)
    } else {
        let mut cut = room - 1;
        // Never split a surrogate pair.
        if (0xDC00..=0xDFFF).contains(&wide[cut]) {
            cut -= 1;
        }
        (&wide[..cut], true)
    };
    field[..body.len()].copy_from_slice(body);
    let mut end = body.len();
    if ellipsis {
        field[end] = '…' as u16;
        end += 1;
    }
    field[end] = 0;
}

#[cfg(test)]
mod tests {
    use super::fill_wide;

    fn read(field: &[u16]) -> String {
        let end = field.iter().position(|c| *c == 0).unwrap();
        String::from_utf16(&field[..end]).unwrap()
    }

    #[test]
    fn text_is_cut_with_an_ellipsis_and_never_mid_character() {
        let mut field = [0xFFFFu16; 8];
        fill_wide(&mut field, "FAILED\nnow");
        assert_eq!(read(&field), "FAILED…");
        fill_wide(&mut field, "ok");
        assert_eq!(read(&field), "ok");
        // 🙂 is two UTF-16 units: it does not fit whole before the ellipsis, so it goes.
        fill_wide(&mut field, "abcde🙂xyz");
        assert_eq!(read(&field), "abcde…");
    }
}
