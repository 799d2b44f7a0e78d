//! Is there a tray to close into? On Linux the status icon (libayatana-appindicator) shows in a
//! StatusNotifierItem host (KDE, GNOME with the AppIndicator extension, Xfce, Cinnamon…), found on the session
//! bus, or — its fallback — in an XEmbed system tray (`_NET_SYSTEM_TRAY_S<screen>` owned on the X display).
//! Without either, the icon is nowhere to be seen and closing the window must quit. Elsewhere (macOS,
//! Windows) the system always has one.

/// Where the tray icon can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrayHost {
    /// A StatusNotifierItem host is registered on the session bus.
    pub status_notifier: bool,
    /// An XEmbed system tray owns its selection on the X display.
    pub xembed: bool,
}

impl TrayHost {
    pub fn available(&self) -> bool {
        self.status_notifier || self.xembed
    }
}

#[cfg(target_os = "linux")]
pub fn detect() -> TrayHost {
    TrayHost { status_notifier: status_notifier_host(), xembed: xembed_tray() }
}

#[cfg(not(target_os = "linux"))]
pub fn detect() -> TrayHost {
    TrayHost { status_notifier: true, xembed: false }
}

/// `org.kde.StatusNotifierWatcher` (where libayatana-appindicator registers) says a host is registered.
#[cfg(target_os = "linux")]
fn status_notifier_host() -> bool {
    let Ok(bus) = zbus::blocking::Connection::session() else { return false };
    let watcher = "org.kde.StatusNotifierWatcher";
    zbus::blocking::Proxy::new(&bus, watcher, "/StatusNotifierWatcher", watcher)
        .and_then(|proxy| proxy.get_property::<bool>("IsStatusNotifierHostRegistered"))
        .unwrap_or(false)
}

/// Someone owns `_NET_SYSTEM_TRAY_S<screen>` on `$DISPLAY` (the XEmbed system tray protocol).
#[cfg(target_os = "linux")]
fn xembed_tray() -> bool {
    use x11rb::protocol::xproto::ConnectionExt;
    if std::env::var_os("DISPLAY").is_none() {
        return false;
    }
    let Ok((conn, screen)) = x11rb::connect(None) else { return false };
    let name = format!("_NET_SYSTEM_TRAY_S{screen}");
    let Ok(atom) =
        conn.intern_atom(true, name.as_bytes()).map_err(drop).and_then(|c| c.reply().map_err(drop))
    else {
        return false;
    };
    if atom.atom == x11rb::NONE {
        return false; // nobody ever named it: no tray
    }
    conn.get_selection_owner(atom.atom)
        .map_err(drop)
        .and_then(|c| c.reply().map_err(drop))
        .is_ok_and(|owner| owner.owner != x11rb::NONE)
}
