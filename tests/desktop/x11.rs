//! Closing a window the way a window manager does when the user clicks its close button: a
//! WM_DELETE_WINDOW client message (Xvfb has no window manager to do it for us).

use std::ffi::CString;
use x11_dl::xlib;

pub fn close_window(display: &str, window: u64) {
    let x = xlib::Xlib::open().expect("libX11");
    let name = CString::new(display).unwrap();
    // SAFETY: plain Xlib calls on a connection opened and closed here.
    unsafe {
        let dpy = (x.XOpenDisplay)(name.as_ptr());
        assert!(!dpy.is_null(), "cannot open display {display}");
        let protocols = CString::new("WM_PROTOCOLS").unwrap();
        let delete = CString::new("WM_DELETE_WINDOW").unwrap();
        let wm_protocols = (x.XInternAtom)(dpy, protocols.as_ptr(), 0);
        let wm_delete = (x.XInternAtom)(dpy, delete.as_ptr(), 0);
        let mut event: xlib::XEvent = std::mem::zeroed();
        event.client_message.type_ = xlib::ClientMessage;
        event.client_message.window = window;
        event.client_message.message_type = wm_protocols;
        event.client_message.format = 32;
        event.client_message.data.set_long(0, wm_delete as i64);
        event
            .client_message
            .data
            .set_long(1, xlib::CurrentTime as i64);
        (x.XSendEvent)(dpy, window, 0, xlib::NoEventMask, &mut event);
        (x.XFlush)(dpy);
        (x.XCloseDisplay)(dpy);
    }
}
