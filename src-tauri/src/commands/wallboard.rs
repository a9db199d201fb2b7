//! The wallboard's one need from the shell: the dashboard's window full screen for a wall display
//! or a second monitor (no frame, no panel over it), and back.

use crate::error::Result;
use tauri::{Runtime, WebviewWindow};

/// Puts the window that asks full screen (`on`) or back to how it was.
#[tauri::command]
pub fn set_fullscreen<R: Runtime>(window: WebviewWindow<R>, on: bool) -> Result<()> {
    Ok(window.set_fullscreen(on)?)
}
