//! Images for the vision feature: a solid-colour PNG made by the test, and the
//! simulator's way of seeing it (decode, average, name the nearest colour).

/// The colours a vision test may pick; names a real model uses for them too.
pub const PALETTE: &[(&str, [u8; 3])] = &[
    ("red", [220, 20, 20]),
    ("green", [20, 180, 40]),
    ("blue", [20, 40, 220]),
    ("yellow", [240, 220, 20]),
    ("purple", [130, 30, 170]),
    ("orange", [250, 140, 10]),
];

/// A `size`x`size` PNG filled with one colour.
pub fn solid_png(rgb: [u8; 3], size: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, size, size);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png header");
        let pixels: Vec<u8> = (0..size * size).flat_map(|_| rgb).collect();
        w.write_image_data(&pixels).expect("png data");
    }
    out
}

/// Decodes the image and names the palette colour nearest its average pixel.
pub fn dominant_colour(media_type: &str, data: &[u8]) -> Result<&'static str, String> {
    if media_type != "image/png" {
        return Err(format!(
            "the simulator decodes image/png only, got {media_type}"
        ));
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(data));
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("invalid PNG: {e}"))?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("PNG too large")?];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("invalid PNG data: {e}"))?;
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => return Err(format!("unsupported PNG colour type {other:?}")),
    };
    if info.bit_depth != png::BitDepth::Eight {
        return Err("unsupported PNG bit depth".into());
    }
    let pixels = &buf[..info.buffer_size()];
    let n = (pixels.len() / channels).max(1) as u64;
    let mut sum = [0u64; 3];
    for px in pixels.chunks(channels) {
        for c in 0..3 {
            sum[c] += px[c] as u64;
        }
    }
    let avg = sum.map(|s| (s / n) as i64);
    let nearest = PALETTE
        .iter()
        .min_by_key(|(_, rgb)| (0..3).map(|c| (avg[c] - rgb[c] as i64).pow(2)).sum::<i64>())
        .expect("non-empty palette");
    Ok(nearest.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_palette_colour_round_trips() {
        for (name, rgb) in PALETTE {
            assert_eq!(
                dominant_colour("image/png", &solid_png(*rgb, 16)).unwrap(),
                *name
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(
            dominant_colour("image/png", b"not a png")
                .unwrap_err()
                .contains("invalid PNG")
        );
        assert!(dominant_colour("image/jpeg", b"").is_err());
    }
}
