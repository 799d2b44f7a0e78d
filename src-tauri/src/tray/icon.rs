//! The tray's tints, drawn from the app icon when the app starts (nothing downloaded, no extra files): the
//! icon's blue background is replaced by the tint's colour, keeping its white bars, their anti-aliased edges
//! and the transparency. "Unavailable" is the stopped grey, faded.

use dockmaster_core::attention::Tint;
use tauri::image::Image;

/// The app icon at the size trays scale from.
const APP_ICON: &[u8] = include_bytes!("../../../icons/64x64.png");

/// The icon's background colour (`#1F6FEB`).
const BASE: [f32; 3] = [31.0, 111.0, 235.0];

/// The background colour of a tint (`None`: the app icon as it is).
fn colour(tint: Tint) -> Option<[f32; 3]> {
    match tint {
        Tint::Idle => None,
        Tint::Healthy => Some([26.0, 127.0, 55.0]),
        Tint::Starting => Some([191.0, 135.0, 0.0]),
        Tint::Problem => Some([207.0, 34.0, 46.0]),
        Tint::Stopped | Tint::Unavailable => Some([110.0, 119.0, 129.0]),
    }
}

/// How much of white (0) to base blue (1) a pixel is, when it is a blend of the two (the background and the
/// bars' edges); `None` for any other colour (the status dots).
fn base_share(rgb: [f32; 3]) -> Option<f32> {
    // p = w·white + (1 − w)·base, solved on the channel with the widest range (red) and checked on all three.
    let share = (255.0 - rgb[0]) / (255.0 - BASE[0]);
    let fits = (0..3).all(|i| (255.0 - share * (255.0 - BASE[i]) - rgb[i]).abs() <= 12.0);
    (fits && (-0.05..=1.05).contains(&share)).then_some(share.clamp(0.0, 1.0))
}

/// Recolours RGBA pixels for `tint`.
pub fn tint_pixels(rgba: &[u8], tint: Tint) -> Vec<u8> {
    let Some(target) = colour(tint) else { return rgba.to_vec() };
    let fade = if tint == Tint::Unavailable { 0.55 } else { 1.0 };
    let mut out = rgba.to_vec();
    for px in out.chunks_exact_mut(4) {
        let rgb = [f32::from(px[0]), f32::from(px[1]), f32::from(px[2])];
        if let Some(share) = base_share(rgb) {
            for i in 0..3 {
                px[i] = (255.0 - share * (255.0 - target[i])).round().clamp(0.0, 255.0) as u8;
            }
        }
        px[3] = (f32::from(px[3]) * fade).round() as u8;
    }
    out
}

/// The tray icon for `tint`, or why the app icon could not be read (then the tray uses the default icon).
pub fn tray_icon(tint: Tint) -> Result<Image<'static>, String> {
    let base = Image::from_bytes(APP_ICON).map_err(|e| format!("the app icon could not be read: {e}"))?;
    Ok(Image::new_owned(tint_pixels(base.rgba(), tint), base.width(), base.height()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_background_takes_the_tint_and_white_and_other_colours_stay() {
        let background = [31, 111, 235, 255];
        let white = [255, 255, 255, 255];
        let half = [143, 183, 245, 255]; // a bar's anti-aliased edge: half white, half blue
        let green_dot = [46, 160, 67, 255];
        let clear = [0, 0, 0, 0];
        let pixels: Vec<u8> = [background, white, half, green_dot, clear].concat();
        let red = tint_pixels(&pixels, Tint::Problem);
        assert_eq!(&red[0..4], &[207, 34, 46, 255], "background");
        assert_eq!(&red[4..8], &[255, 255, 255, 255], "white bar");
        assert_eq!(&red[8..12], &[231, 145, 151, 255], "the edge keeps its blend");
        assert_eq!(&red[12..16], &green_dot, "a status dot keeps its colour");
        assert_eq!(&red[16..20], &clear, "transparent stays transparent");
        assert_eq!(tint_pixels(&pixels, Tint::Idle), pixels, "idle is the app icon");
        let faded = tint_pixels(&pixels, Tint::Unavailable);
        assert_eq!(&faded[0..4], &[110, 119, 129, 140], "unavailable: grey and faded");
    }

    #[test]
    fn every_tint_is_drawn_from_the_app_icon_and_differs() {
        let icons: Vec<_> = Tint::ALL.iter().map(|t| tray_icon(*t).unwrap()).collect();
        for icon in &icons {
            assert_eq!((icon.width(), icon.height()), (64, 64));
        }
        for (i, a) in icons.iter().enumerate() {
            for b in &icons[i + 1..] {
                assert_ne!(a.rgba(), b.rgba());
            }
        }
    }
}
