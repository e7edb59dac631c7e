//! Pictograms drawn for the project: small one-colour SVG files (`assets/icons/`) compiled
//! into the binary, rasterised with resvg at the exact pixel size they are drawn at and
//! tinted in one colour.
//!
//! Playback asks for an icon with an [`ImageSource::Icon`](crate::scene::ImageSource) node;
//! the renderer's texture store keeps one texture per (icon, size, colour), like a decoded
//! asset. Only the coverage (alpha) of an SVG counts: the files may use any fill colour, the
//! tint comes from the theme. Rasterisation is plain CPU arithmetic on a fixed input, so a
//! given icon, size and colour always give the same bytes.

use beffroi_protocol::data::events::EventCategory;
use beffroi_protocol::data::waste::{Destination, Stream};
use beffroi_protocol::layout::Colour;
use image::RgbaImage;
use resvg::{tiny_skia, usvg};

/// The largest icon side rasterised, in pixels: a 4K panel needs a few hundred at most, and
/// this keeps a broken size from allocating gigabytes.
pub const MAX_SIZE: u32 = 1024;

/// A pictogram of the project's set.
///
/// Grouped by use: the agenda's event categories (`events/`), then the waste streams and the
/// places sorted objects go (`waste/`). Each variant names one file under `assets/icons/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Icon {
    /// Bunting: a fête, a festival.
    Festival,
    /// A market stall.
    Market,
    /// Two quavers.
    Concert,
    /// A framed picture.
    Exhibition,
    /// A trophy.
    Sport,
    /// Comedy and tragedy masks.
    Theatre,
    /// A clapperboard.
    Cinema,
    /// Speech bubbles.
    Conference,
    /// A hammer and a spanner.
    Workshop,
    /// A signpost.
    GuidedTour,
    /// A tree.
    Nature,
    /// Two grown-ups and a child.
    Family,
    /// A calendar page: any other event.
    Event,
    /// A wheelie bin: household (residual) waste, the grey bin.
    HouseholdBin,
    /// A wheelie bin with two chasing arrows: packaging and paper, the yellow bin.
    PackagingBin,
    /// A wheelie bin with a leaf: food waste, the brown bin.
    BiowasteBin,
    /// A bottle and a jar: glass.
    Glass,
    /// A leafy twig: garden waste.
    GreenWaste,
    /// An armchair: bulky items.
    Bulky,
    /// A tied rubbish bag: any other waste.
    WasteBag,
    /// An arrow dropping into a skip: the recycling centre (déchetterie).
    RecyclingCentre,
    /// A shopping bag with a return arrow: taken back by shops.
    TakeBack,
    /// A pharmacy's cross.
    Pharmacy,
    /// A sprout on a compost heap.
    Compost,
    /// A town hall: ask there, for any other destination.
    TownHall,
}

impl Icon {
    /// Every icon, for tests and previews.
    pub const ALL: [Icon; 25] = [
        Icon::Festival,
        Icon::Market,
        Icon::Concert,
        Icon::Exhibition,
        Icon::Sport,
        Icon::Theatre,
        Icon::Cinema,
        Icon::Conference,
        Icon::Workshop,
        Icon::GuidedTour,
        Icon::Nature,
        Icon::Family,
        Icon::Event,
        Icon::HouseholdBin,
        Icon::PackagingBin,
        Icon::BiowasteBin,
        Icon::Glass,
        Icon::GreenWaste,
        Icon::Bulky,
        Icon::WasteBag,
        Icon::RecyclingCentre,
        Icon::TakeBack,
        Icon::Pharmacy,
        Icon::Compost,
        Icon::TownHall,
    ];

    /// The pictogram of an event category.
    pub fn for_event(category: EventCategory) -> Icon {
        match category {
            EventCategory::Festival => Icon::Festival,
            EventCategory::Market => Icon::Market,
            EventCategory::Concert => Icon::Concert,
            EventCategory::Exhibition => Icon::Exhibition,
            EventCategory::Sport => Icon::Sport,
            EventCategory::Theatre => Icon::Theatre,
            EventCategory::Cinema => Icon::Cinema,
            EventCategory::Conference => Icon::Conference,
            EventCategory::Workshop => Icon::Workshop,
            EventCategory::GuidedTour => Icon::GuidedTour,
            EventCategory::Nature => Icon::Nature,
            EventCategory::Family => Icon::Family,
            EventCategory::Other => Icon::Event,
        }
    }

    /// The pictogram of a waste stream, drawn on a tile of its bin's colour.
    pub fn for_stream(stream: Stream) -> Icon {
        match stream {
            Stream::Household => Icon::HouseholdBin,
            Stream::Packaging => Icon::PackagingBin,
            Stream::Biowaste => Icon::BiowasteBin,
            Stream::Glass => Icon::Glass,
            Stream::GreenWaste => Icon::GreenWaste,
            Stream::Bulky => Icon::Bulky,
            Stream::Other => Icon::WasteBag,
        }
    }

    /// The pictogram of where a sorted object goes: its stream's for a bin.
    pub fn for_destination(destination: Destination) -> Icon {
        match destination {
            Destination::Bin { stream } => Icon::for_stream(stream),
            Destination::RecyclingCentre => Icon::RecyclingCentre,
            Destination::TakeBack => Icon::TakeBack,
            Destination::Pharmacy => Icon::Pharmacy,
            Destination::Compost => Icon::Compost,
            Destination::Other => Icon::TownHall,
        }
    }

    /// The icon's file under `assets/icons/`, without the extension (`events/market`).
    pub fn name(self) -> &'static str {
        self.file().0
    }

    /// The SVG source.
    fn svg(self) -> &'static str {
        self.file().1
    }

    fn file(self) -> (&'static str, &'static str) {
        macro_rules! file {
            ($name:literal) => {
                (
                    $name,
                    include_str!(concat!("../../assets/icons/", $name, ".svg")),
                )
            };
        }
        match self {
            Icon::Festival => file!("events/festival"),
            Icon::Market => file!("events/market"),
            Icon::Concert => file!("events/concert"),
            Icon::Exhibition => file!("events/exhibition"),
            Icon::Sport => file!("events/sport"),
            Icon::Theatre => file!("events/theatre"),
            Icon::Cinema => file!("events/cinema"),
            Icon::Conference => file!("events/conference"),
            Icon::Workshop => file!("events/workshop"),
            Icon::GuidedTour => file!("events/guided_tour"),
            Icon::Nature => file!("events/nature"),
            Icon::Family => file!("events/family"),
            Icon::Event => file!("events/other"),
            Icon::HouseholdBin => file!("waste/household"),
            Icon::PackagingBin => file!("waste/packaging"),
            Icon::BiowasteBin => file!("waste/biowaste"),
            Icon::Glass => file!("waste/glass"),
            Icon::GreenWaste => file!("waste/green_waste"),
            Icon::Bulky => file!("waste/bulky"),
            Icon::WasteBag => file!("waste/other"),
            Icon::RecyclingCentre => file!("waste/recycling_centre"),
            Icon::TakeBack => file!("waste/take_back"),
            Icon::Pharmacy => file!("waste/pharmacy"),
            Icon::Compost => file!("waste/compost"),
            Icon::TownHall => file!("waste/town_hall"),
        }
    }
}

/// An icon as drawn: which one, its square side in pixels and its colour. The key of its
/// texture, so that each size and tint in use is rasterised once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TintedIcon {
    /// The pictogram.
    pub icon: Icon,
    /// Width and height in pixels.
    pub size: u32,
    /// Colour of its shapes (its opacity included).
    pub colour: Colour,
}

impl std::fmt::Display for TintedIcon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "icon {} {}px {}",
            self.icon.name(),
            self.size,
            self.colour
        )
    }
}

/// Why an icon could not be drawn; both are bugs of ours, tested for every icon.
#[derive(Debug, thiserror::Error)]
pub enum IconError {
    /// The SVG file does not parse.
    #[error("icon {name}: {source}")]
    Svg {
        /// The icon's name.
        name: &'static str,
        /// The parser's complaint.
        source: usvg::Error,
    },
    /// The size asked for is zero or above [`MAX_SIZE`].
    #[error("icon {name}: size {size} px is out of range 1–{MAX_SIZE}")]
    Size {
        /// The icon's name.
        name: &'static str,
        /// The size asked for.
        size: u32,
    },
}

/// `t.icon` as a `t.size` × `t.size` image whose pixels are `t.colour` with the shapes'
/// coverage as opacity (straight, not premultiplied, alpha, as the texture store expects).
pub fn rasterise(t: &TintedIcon) -> Result<RgbaImage, IconError> {
    let name = t.icon.name();
    let size = t.size;
    let Some(mut pixmap) = (1..=MAX_SIZE)
        .contains(&size)
        .then(|| tiny_skia::Pixmap::new(size, size))
        .flatten()
    else {
        return Err(IconError::Size { name, size });
    };
    let tree = usvg::Tree::from_str(t.icon.svg(), &usvg::Options::default())
        .map_err(|source| IconError::Svg { name, source })?;
    // Scale the view box to the whole square; the files are square, so nothing is stretched.
    let view = tree.size();
    let transform =
        tiny_skia::Transform::from_scale(size as f32 / view.width(), size as f32 / view.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    let c = t.colour;
    let pixels = pixmap
        .pixels()
        .iter()
        .flat_map(|p| {
            let a = (u16::from(p.alpha()) * u16::from(c.a) + 127) / 255;
            [c.r, c.g, c.b, a as u8]
        })
        .collect();
    Ok(RgbaImage::from_raw(size, size, pixels).expect("size × size × 4 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tinted(icon: Icon, size: u32) -> TintedIcon {
        TintedIcon {
            icon,
            size,
            colour: Colour::rgb(0xf2, 0xb7, 0x05),
        }
    }

    /// Share of the square's pixels at least half covered.
    fn ink(img: &RgbaImage) -> f32 {
        let covered = img.pixels().filter(|p| p.0[3] >= 128).count();
        covered as f32 / (img.width() * img.height()) as f32
    }

    #[test]
    fn every_icon_parses_and_is_bold_enough_to_read_from_afar() {
        for icon in Icon::ALL {
            let img = rasterise(&tinted(icon, 64)).unwrap();
            assert_eq!(img.dimensions(), (64, 64));
            // Thin line art vanishes across a hall; a solid square would say nothing.
            let share = ink(&img);
            assert!(
                (0.2..0.75).contains(&share),
                "{}: {share:.2} of the square inked",
                icon.name()
            );
            // The colour is the tint everywhere; only the opacity varies.
            assert!(
                img.pixels()
                    .all(|p| p.0[..3] == [0xf2, 0xb7, 0x05] || p.0[3] == 0)
            );
        }
    }

    #[test]
    fn every_category_has_its_own_icon() {
        use EventCategory::*;
        let categories = [
            Festival, Market, Concert, Exhibition, Sport, Theatre, Cinema, Conference, Workshop,
            GuidedTour, Nature, Family, Other,
        ];
        let mut icons: Vec<Icon> = categories.into_iter().map(Icon::for_event).collect();
        icons.sort();
        icons.dedup();
        assert_eq!(icons.len(), categories.len());
        let mut names: Vec<&str> = Icon::ALL.iter().map(|i| i.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Icon::ALL.len());
    }

    #[test]
    fn every_stream_and_destination_has_its_own_icon() {
        let mut streams: Vec<Icon> = Stream::ALL.into_iter().map(Icon::for_stream).collect();
        streams.sort();
        streams.dedup();
        assert_eq!(streams.len(), Stream::ALL.len());
        // A bin shows its stream's pictogram; the other destinations have their own, none of
        // them a stream's or an event category's.
        for stream in Stream::ALL {
            assert_eq!(
                Icon::for_destination(Destination::Bin { stream }),
                Icon::for_stream(stream)
            );
        }
        let others = [
            Destination::RecyclingCentre,
            Destination::TakeBack,
            Destination::Pharmacy,
            Destination::Compost,
            Destination::Other,
        ];
        let mut places: Vec<Icon> = others.into_iter().map(Icon::for_destination).collect();
        places.sort();
        places.dedup();
        assert_eq!(places.len(), others.len());
        for icon in places {
            assert!(!streams.contains(&icon), "{icon:?}");
            assert!(icon.name().starts_with("waste/"), "{icon:?}");
        }
    }

    #[test]
    fn rasterising_is_deterministic_and_tinted() {
        // An odd size, so that edges fall between pixels and antialiasing has work to do.
        for icon in Icon::ALL {
            let a = rasterise(&tinted(icon, 37)).unwrap();
            let b = rasterise(&tinted(icon, 37)).unwrap();
            assert_eq!(a.as_raw(), b.as_raw(), "{}", icon.name());
        }
        let faded = rasterise(&TintedIcon {
            colour: Colour {
                a: 0x80,
                ..Colour::rgb(255, 255, 255)
            },
            ..tinted(Icon::Theatre, 57)
        })
        .unwrap();
        let max = faded.pixels().map(|p| p.0[3]).max().unwrap();
        assert_eq!(max, 0x80);
    }

    #[test]
    fn sizes_out_of_range_are_refused() {
        assert!(matches!(
            rasterise(&tinted(Icon::Market, 0)),
            Err(IconError::Size { size: 0, .. })
        ));
        assert!(rasterise(&tinted(Icon::Market, MAX_SIZE + 1)).is_err());
    }
}
