//! Whether the web engine the dashboard is drawn with is there. On Windows it is Microsoft's
//! WebView2 Runtime: Windows 11 and current Windows 10 bring it, older or trimmed-down systems
//! may not. Without it the dashboard cannot open, so the app says so plainly, in a message box
//! with the link to get it and in the tray menu, and goes on watching from the tray (icon,
//! menu, notifications). On Linux the engine (WebKitGTK) comes with the package: always there.

#[cfg(windows)]
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Where Microsoft offers the Evergreen WebView2 Runtime.
pub const WEBVIEW2_DOWNLOAD: &str = "https://developer.microsoft.com/microsoft-edge/webview2/";

/// The tray menu's line in place of "Open dashboard" while the runtime is missing.
pub const MENU_TEXT: &str = "Dashboard needs the WebView2 Runtime…";

/// The message box's title and text (the question is answered with Yes or No).
pub const TITLE: &str = "AgentWatch: the dashboard cannot open";

/// What the message box says. (Why the runtime was not found, in Windows' own words, goes to
/// the log: it means nothing to the person reading this.)
pub fn message() -> String {
    format!(
        "AgentWatch's dashboard needs Microsoft's WebView2 Runtime, which this computer does not \
         have.\n\n\
         AgentWatch keeps watching from the tray: its icon, its menu and the notifications work \
         without it.\n\n\
         Get the Evergreen WebView2 Runtime from Microsoft at {WEBVIEW2_DOWNLOAD} (it is free), \
         then open the dashboard again.\n\n\
         Open that page now?"
    )
}

/// Why the runtime is missing, when it is; decided once, at start.
static MISSING: OnceLock<Option<String>> = OnceLock::new();

/// Looks for the runtime (once, at start) and says in the log when it is missing.
pub fn check() {
    let missing = MISSING.get_or_init(find_missing);
    if let Some(why) = missing {
        tracing::warn!(
            "the dashboard cannot open: the WebView2 Runtime is missing ({why}); get it at \
             {WEBVIEW2_DOWNLOAD}. AgentWatch keeps watching from the tray."
        );
    }
}

/// Why the dashboard's web engine is missing, or `None` when it is there (or not checked).
pub fn missing() -> Option<&'static str> {
    MISSING.get().and_then(|m| m.as_deref())
}

#[cfg(windows)]
fn find_missing() -> Option<String> {
    // Asks WebView2Loader.dll for the installed runtime's version, as the webview itself will.
    match tauri::webview_version() {
        Ok(version) => {
            tracing::info!("WebView2 Runtime {version}");
            None
        }
        Err(e) => Some(format!("no runtime was found: {e}")),
    }
}

#[cfg(not(windows))]
fn find_missing() -> Option<String> {
    None
}

/// One message box at a time: asking twice (the menu, a second launch) shows the open one.
#[cfg(windows)]
static EXPLAINING: AtomicBool = AtomicBool::new(false);

/// Tells the user, in a native message box on its own thread, that the dashboard needs the
/// runtime; "Yes" opens Microsoft's download page in the browser.
#[cfg(windows)]
pub fn explain() {
    if EXPLAINING.swap(true, Ordering::SeqCst) {
        return;
    }
    let text = message();
    let spawned = std::thread::Builder::new()
        .name("webview2-missing".into())
        .spawn(move || {
            if ask(&text) {
                open_download_page();
            }
            EXPLAINING.store(false, Ordering::SeqCst);
        });
    if let Err(e) = spawned {
        EXPLAINING.store(false, Ordering::SeqCst);
        tracing::warn!("cannot say that the WebView2 Runtime is missing: {e}");
    }
}

/// Elsewhere the engine comes with the package and is never missing; said in the log if it were.
#[cfg(not(windows))]
pub fn explain() {
    tracing::warn!("{}", message().replace('\n', " "));
}

#[cfg(windows)]
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// The Yes/No message box; true for Yes.
#[cfg(windows)]
fn ask(text: &str) -> bool {
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        MessageBoxW, IDYES, MB_ICONWARNING, MB_SETFOREGROUND, MB_TOPMOST, MB_YESNO,
    };
    let (text, title) = (wide(text), wide(TITLE));
    // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; no owner window.
    let answer = unsafe {
        MessageBoxW(
            std::ptr::null_mut(),
            text.as_ptr(),
            title.as_ptr(),
            MB_YESNO | MB_ICONWARNING | MB_SETFOREGROUND | MB_TOPMOST,
        )
    };
    answer == IDYES
}

#[cfg(windows)]
fn open_download_page() {
    use windows_sys::Win32::UI::Shell::ShellExecuteW;
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL;
    let (verb, url) = (wide("open"), wide(WEBVIEW2_DOWNLOAD));
    // SAFETY: NUL-terminated UTF-16 strings that outlive the call; the rest may be null.
    let result = unsafe {
        ShellExecuteW(
            std::ptr::null_mut(),
            verb.as_ptr(),
            url.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            SW_SHOWNORMAL,
        )
    };
    // ShellExecuteW reports success with a value above 32.
    if (result as isize) <= 32 {
        tracing::warn!("cannot open {WEBVIEW2_DOWNLOAD} in the browser (code {result:?})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_says_what_is_missing_what_still_works_and_where_to_get_it() {
        let text = message();
        assert!(
            text.contains("needs Microsoft's WebView2 Runtime"),
            "{text}"
        );
        assert!(text.contains("keeps watching from the tray"), "{text}");
        assert!(text.contains(WEBVIEW2_DOWNLOAD), "{text}");
        assert!(text.ends_with("Open that page now?"), "{text}");
    }
}
