//! The renderer on a CPU GPU (Mesa lavapipe or llvmpipe): exact colours, clipping, rounded
//! corners, rotation, text, placeholders. Hand-built scenes, so failures point at the renderer.

use beffroi_player::render::{Gpu, Renderer};
use beffroi_player::scene::{Align, ImageSource, Node, Rect, Scene, Shape, Text, TextSize, Weight};
use beffroi_protocol::layout::Colour;
use beffroi_protocol::manifest::Rotation;
use image::{Rgba, RgbaImage};

fn gpu() -> Gpu {
    Gpu::headless().expect("a GPU adapter (install mesa-vulkan-drivers for lavapipe)")
}

const NAVY: Colour = Colour::rgb(0x0b, 0x1f, 0x3a);
const YELLOW: Colour = Colour::rgb(0xf2, 0xb7, 0x05);
const WHITE: Colour = Colour::rgb(0xff, 0xff, 0xff);

fn rect(x: f32, y: f32, w: f32, h: f32, colour: Colour) -> Node {
    Node::new(Shape::Rect {
        rect: Rect::new(x, y, w, h),
        colour,
        radius: 0.0,
    })
}

fn px(img: &RgbaImage, x: u32, y: u32) -> [u8; 4] {
    img.get_pixel(x, y).0
}

#[test]
fn solid_rectangles_keep_their_exact_srgb_colour_and_clip() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let mut scene = Scene::new(64, 32, NAVY);
    scene.push(rect(8.0, 8.0, 16.0, 16.0, YELLOW));
    let mut clipped = rect(32.0, 0.0, 32.0, 32.0, WHITE);
    clipped.clip = Some(Rect::new(40.0, 0.0, 8.0, 32.0));
    scene.push(clipped);
    let img = r.render_image(&gpu, &scene);
    assert_eq!(px(&img, 0, 0), [0x0b, 0x1f, 0x3a, 255]);
    assert_eq!(px(&img, 10, 10), [0xf2, 0xb7, 0x05, 255]);
    assert_eq!(px(&img, 39, 5), [0x0b, 0x1f, 0x3a, 255], "left of the clip");
    assert_eq!(px(&img, 44, 5), [255, 255, 255, 255], "inside the clip");
    assert_eq!(
        px(&img, 48, 5),
        [0x0b, 0x1f, 0x3a, 255],
        "right of the clip"
    );
}

#[test]
fn half_opacity_blends_in_linear_light() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let mut scene = Scene::new(8, 8, Colour::rgb(0, 0, 0));
    let mut n = rect(0.0, 0.0, 8.0, 8.0, WHITE);
    n.opacity = 0.5;
    scene.push(n);
    let img = r.render_image(&gpu, &scene);
    // 50 % white over black in linear light is sRGB 188, not 128.
    let v = px(&img, 4, 4)[0];
    assert!((186..=189).contains(&v), "{v}");
}

#[test]
fn rounded_corners_leave_the_corner_pixel_uncovered() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let mut scene = Scene::new(40, 40, NAVY);
    scene.push(Node::new(Shape::Rect {
        rect: Rect::new(0.0, 0.0, 40.0, 40.0),
        colour: WHITE,
        radius: 12.0,
    }));
    let img = r.render_image(&gpu, &scene);
    assert_eq!(px(&img, 0, 0), [0x0b, 0x1f, 0x3a, 255]);
    assert_eq!(px(&img, 20, 20), [255, 255, 255, 255]);
    assert_eq!(px(&img, 20, 0), [255, 255, 255, 255]);
}

#[test]
fn rotation_turns_the_whole_frame_clockwise() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    // A yellow mark in the top-left corner of a 60×30 frame.
    let mut scene = Scene::new(60, 30, NAVY);
    scene.push(rect(0.0, 0.0, 10.0, 5.0, YELLOW));
    let upright = r.render_image(&gpu, &scene);
    for (rotation, (w, h), corner) in [
        (Rotation::R90, (30, 60), (29, 0)),
        (Rotation::R180, (60, 30), (59, 29)),
        (Rotation::R270, (30, 60), (0, 59)),
    ] {
        scene.rotation = rotation;
        let img = r.render_image(&gpu, &scene);
        assert_eq!(img.dimensions(), (w, h), "{rotation:?}");
        assert_eq!(
            px(&img, corner.0, corner.1),
            [0xf2, 0xb7, 0x05, 255],
            "{rotation:?}"
        );
        // Turning back by the complement restores the upright frame exactly.
        let back = match rotation {
            Rotation::R90 => image::imageops::rotate270(&img),
            Rotation::R180 => image::imageops::rotate180(&img),
            _ => image::imageops::rotate90(&img),
        };
        assert_eq!(back, upright, "{rotation:?}");
    }
}

#[test]
fn text_is_drawn_inside_its_box_and_fit_picks_a_size_that_fits() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let mut scene = Scene::new(400, 120, NAVY);
    let mut t = Text::new(
        "Bienvenue à Fruges\u{202f}! Sortez le bac jaune ce soir\u{202f}; merci.",
        Rect::new(20.0, 20.0, 360.0, 80.0),
        TextSize::Fit {
            max: 200.0,
            min: 10.0,
        },
        WHITE,
    );
    t.weight = Weight::Bold;
    t.align = Align::Center;
    scene.push(Node::new(Shape::Text(t)));
    let img = r.render_image(&gpu, &scene);
    let lit = |x0: u32, y0: u32, x1: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| px(&img, x, y)[0] > 128)
            .count()
    };
    assert!(lit(20, 20, 380, 100) > 500, "text drawn");
    assert_eq!(lit(0, 0, 400, 12), 0, "nothing above the box");
    assert_eq!(lit(0, 108, 400, 120), 0, "nothing below the box");
    img.save(std::env::temp_dir().join("beffroi-text.png"))
        .unwrap();
}

#[test]
fn broken_image_draws_a_neutral_placeholder() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let source = ImageSource::Asset(beffroi_protocol::ids::Sha256::of(b"broken"));
    let mut scene = Scene::new(32, 32, NAVY);
    scene.push(Node::new(Shape::Image {
        rect: Rect::new(0.0, 0.0, 32.0, 32.0),
        source: source.clone(),
        uv: Rect::new(0.0, 0.0, 1.0, 1.0),
        radius: 0.0,
    }));
    assert_eq!(r.missing_images(&scene), vec![(source.clone(), (32, 32))]);
    r.set_image(&gpu, source.clone(), (32, 32), Err("damaged image".into()));
    assert!(r.missing_images(&scene).is_empty());
    let img = r.render_image(&gpu, &scene);
    assert_eq!(px(&img, 16, 16), [0x5a, 0x62, 0x70, 255]);
    // A real image replaces it.
    let mut pixels = RgbaImage::from_pixel(2, 2, Rgba([255, 0, 0, 255]));
    pixels.put_pixel(1, 1, Rgba([0, 0, 255, 255]));
    r.set_image(&gpu, source, (32, 32), Ok(pixels));
    let img = r.render_image(&gpu, &scene);
    assert_eq!(px(&img, 2, 2), [255, 0, 0, 255]);
    assert_eq!(px(&img, 30, 30), [0, 0, 255, 255]);
    assert!(r.stats().texture_bytes >= 16);
}

#[test]
fn an_icon_is_drawn_in_its_tint_with_rounded_images_beside_it() {
    use beffroi_player::icons::{Icon, TintedIcon};
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let icon = ImageSource::Icon(TintedIcon {
        icon: Icon::Exhibition,
        size: 48,
        colour: YELLOW,
    });
    let photo = ImageSource::Asset(beffroi_protocol::ids::Sha256::of(b"photo"));
    let mut scene = Scene::new(112, 48, NAVY);
    let full = Rect::new(0.0, 0.0, 1.0, 1.0);
    scene.push(Node::new(Shape::Image {
        rect: Rect::new(0.0, 0.0, 48.0, 48.0),
        source: icon.clone(),
        uv: full,
        radius: 0.0,
    }));
    scene.push(Node::new(Shape::Image {
        rect: Rect::new(64.0, 0.0, 48.0, 48.0),
        source: photo.clone(),
        uv: full,
        radius: 12.0,
    }));
    let wanted = r.missing_images(&scene);
    assert_eq!(
        wanted,
        vec![(icon.clone(), (48, 48)), (photo.clone(), (48, 48))]
    );
    // Icons need no bundle: `load` rasterises them.
    let pixels =
        beffroi_player::images::load(std::path::Path::new("/nonexistent"), &icon, 48, 48).unwrap();
    r.set_image(&gpu, icon, (48, 48), Ok(pixels));
    r.set_image(
        &gpu,
        photo,
        (48, 48),
        Ok(RgbaImage::from_pixel(48, 48, Rgba([255, 0, 0, 255]))),
    );
    let img = r.render_image(&gpu, &scene);
    // The frame's left bar (x 4–9 of 48) is solid yellow; the wall inside it navy.
    assert_eq!(px(&img, 6, 30), [0xf2, 0xb7, 0x05, 255]);
    assert_eq!(px(&img, 24, 20), [0x0b, 0x1f, 0x3a, 255]);
    // The photo's corner is cut by its radius, its middle is untouched.
    assert_eq!(px(&img, 64, 0), [0x0b, 0x1f, 0x3a, 255]);
    assert_eq!(px(&img, 88, 24), [255, 0, 0, 255]);
}

#[test]
fn an_image_drawn_in_a_bigger_box_later_is_decoded_again() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let photo = ImageSource::Asset(beffroi_protocol::ids::Sha256::of(b"photo"));
    let scene = |w: f32| {
        let mut s = Scene::new(256, 256, NAVY);
        s.push(Node::new(Shape::Image {
            rect: Rect::new(0.0, 0.0, w, w),
            source: photo.clone(),
            uv: Rect::new(0.0, 0.0, 1.0, 1.0),
            radius: 0.0,
        }));
        s
    };
    let small = RgbaImage::from_pixel(32, 32, Rgba([255, 0, 0, 255]));
    r.set_image(&gpu, photo.clone(), (32, 32), Ok(small.clone()));
    assert!(r.missing_images(&scene(32.0)).is_empty());
    assert!(r.missing_images(&scene(16.0)).is_empty());
    // A thumbnail's decode would be blurred over a banner: ask for a sharper one.
    assert_eq!(
        r.missing_images(&scene(128.0)),
        vec![(photo.clone(), (128, 128))]
    );
    // A photo smaller than its box comes back at its own size; it is not asked for again.
    r.set_image(&gpu, photo.clone(), (128, 128), Ok(small));
    assert!(r.missing_images(&scene(128.0)).is_empty());
}

#[test]
fn struck_text_gets_a_bar_across_each_line() {
    let gpu = gpu();
    let mut r = Renderer::new(&gpu);
    let draw = |r: &mut Renderer, strike: bool| {
        let mut scene = Scene::new(400, 60, NAVY);
        scene.push(Node::new(Shape::Text(Text {
            strike,
            ..Text::new(
                "i i i i i i i i",
                Rect::new(10.0, 5.0, 380.0, 50.0),
                TextSize::Fixed(40.0),
                WHITE,
            )
        })));
        r.render_image(&gpu, &scene)
    };
    // The longest run of lit pixels on any row: the bar spans the gaps between the letters.
    let longest_run = |img: &RgbaImage| {
        (0..img.height())
            .map(|y| {
                let mut best = 0;
                let mut run = 0;
                for x in 0..img.width() {
                    run = if px(img, x, y)[0] > 128 { run + 1 } else { 0 };
                    best = best.max(run);
                }
                best
            })
            .max()
            .unwrap()
    };
    let plain = draw(&mut r, false);
    let struck = draw(&mut r, true);
    assert!(longest_run(&plain) < 20, "{}", longest_run(&plain));
    assert!(longest_run(&struck) > 150, "{}", longest_run(&struck));
}
