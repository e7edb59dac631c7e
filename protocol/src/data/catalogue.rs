//! The tourist-office kiosk catalogue of short supply chains (circuits courts): product
//! categories, producers, their products, and where to buy them (farm shops, markets,
//! lockers, drive fermier pick-ups).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use super::hours::OpeningHours;
use super::{check_name, check_url, pick, text_is_unset};
use crate::ids::{Insee, Sha256};
use crate::text::{Lang, Text};
use crate::time::{TimeOfDay, Weekday, Window};
use crate::validate::{Checker, Validate};

/// The catalogue data set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Product categories, possibly nested.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Producers.
    #[serde(default)]
    pub producers: Vec<Producer>,
    /// Products, each from one producer in one category.
    #[serde(default)]
    pub products: Vec<Product>,
    /// Where to buy.
    #[serde(default)]
    pub points_of_sale: Vec<PointOfSale>,
}

impl Catalogue {
    /// The category with id `id`.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The producer with id `id`.
    pub fn producer(&self, id: &str) -> Option<&Producer> {
        self.producers.iter().find(|p| p.id == id)
    }

    /// The product with id `id`.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The products of producer `producer_id`, in data order.
    pub fn products_of<'a>(&'a self, producer_id: &'a str) -> impl Iterator<Item = &'a Product> {
        self.products
            .iter()
            .filter(move |p| p.producer == producer_id)
    }

    /// The points of sale where producer `producer_id` sells, in data order.
    pub fn points_of_sale_of<'a>(
        &'a self,
        producer_id: &'a str,
    ) -> impl Iterator<Item = &'a PointOfSale> {
        self.points_of_sale
            .iter()
            .filter(move |p| p.producers.iter().any(|id| id == producer_id))
    }
}

impl Validate for Catalogue {
    fn validate(&self, v: &mut Checker) {
        let category_ids: BTreeSet<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        let producer_ids: BTreeSet<&str> = self.producers.iter().map(|p| p.id.as_str()).collect();
        let parents: BTreeMap<&str, &str> = self
            .categories
            .iter()
            .filter_map(|c| Some((c.id.as_str(), c.parent.as_deref()?)))
            .collect();

        v.unique_ids("categories", self.categories.iter().map(|c| c.id.as_str()));
        v.each("categories", &self.categories, |c| c.id.as_str(), |v, c| {
            c.validate(v);
            let Some(parent) = c.parent.as_deref() else { return };
            if !category_ids.contains(parent) {
                v.report_at("parent", format!("unknown category \"{parent}\""));
                return;
            }
            // Follow the parents; coming back to this category is a cycle.
            let mut at = parent;
            for _ in 0..=parents.len() {
                if at == c.id {
                    v.report_at(
                        "parent",
                        format!("\"{parent}\" leads back to \"{}\"; categories must not form a cycle", c.id),
                    );
                    return;
                }
                match parents.get(at) {
                    Some(next) => at = next,
                    None => return,
                }
            }
        });

        v.unique_ids("producers", self.producers.iter().map(|p| p.id.as_str()));
        v.each(
            "producers",
            &self.producers,
            |p| p.id.as_str(),
            |v, p| p.validate(v),
        );

        v.unique_ids("products", self.products.iter().map(|p| p.id.as_str()));
        v.each(
            "products",
            &self.products,
            |p| p.id.as_str(),
            |v, p| {
                p.validate(v);
                if !category_ids.contains(p.category.as_str()) {
                    v.report_at("category", format!("unknown category \"{}\"", p.category));
                }
                if !producer_ids.contains(p.producer.as_str()) {
                    v.report_at("producer", format!("unknown producer \"{}\"", p.producer));
                }
            },
        );

        v.unique_ids(
            "points_of_sale",
            self.points_of_sale.iter().map(|p| p.id.as_str()),
        );
        v.each(
            "points_of_sale",
            &self.points_of_sale,
            |p| p.id.as_str(),
            |v, p| {
                p.validate(v);
                v.field("producers", |v| {
                    for id in &p.producers {
                        if !producer_ids.contains(id.as_str()) {
                            v.report(format!("unknown producer \"{id}\""));
                        }
                    }
                });
            },
        );
    }
}

/// A product category ("Fromages", "Fruits et légumes").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Id, unique among categories.
    pub id: String,
    /// Name, per language.
    pub name: Text,
    /// Pictogram blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Sha256>,
    /// Id of the parent category; none for a top-level one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl Validate for Category {
    fn validate(&self, v: &mut Checker) {
        v.field("name", |v| self.name.require(v));
    }
}

/// A point on Earth in integer micro-degrees (WGS 84), e.g. Fruges is `50_515_000, 2_133_000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Latitude × 10⁶, −90 000 000 to 90 000 000.
    pub lat_e6: i32,
    /// Longitude × 10⁶, −180 000 000 to 180 000 000.
    pub lon_e6: i32,
}

impl Validate for GeoPoint {
    fn validate(&self, v: &mut Checker) {
        if !(-90_000_000..=90_000_000).contains(&self.lat_e6) {
            v.report_at(
                "lat_e6",
                format!(
                    "{} is outside ±90 degrees (±90000000 micro-degrees)",
                    self.lat_e6
                ),
            );
        }
        if !(-180_000_000..=180_000_000).contains(&self.lon_e6) {
            v.report_at(
                "lon_e6",
                format!(
                    "{} is outside ±180 degrees (±180000000 micro-degrees)",
                    self.lon_e6
                ),
            );
        }
    }
}

/// A producer: a farm, a cheese maker, a brewery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producer {
    /// Id, unique among producers.
    pub id: String,
    /// Name ("Ferme du Bois Julien").
    pub name: String,
    /// Presentation, per language.
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub description: Text,
    /// The commune of the farm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<Insee>,
    /// Postal address, one line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Location, for the kiosk map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<GeoPoint>,
    /// Telephone number as written locally ("03 21 00 00 00").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Web site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Quality labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// Photo blobs, the first one as the cover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Sha256>,
    /// Farm-gate opening hours, when visitors can come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<OpeningHours>,
}

impl Validate for Producer {
    fn validate(&self, v: &mut Checker) {
        check_name(v, "name", &self.name);
        v.field("description", |v| self.description.optional(v));
        if let Some(g) = &self.geo {
            v.field("geo", |v| g.validate(v));
        }
        if let Some(phone) = &self.phone {
            check_phone(v, phone);
        }
        check_url(v, "website", self.website.as_deref());
        if let Some(email) = &self.email {
            check_email(v, email);
        }
        v.field("labels", |v| {
            let mut seen = BTreeSet::new();
            for l in &self.labels {
                if *l != Label::Other && !seen.insert(l) {
                    v.report(format!("{} is listed twice", l.label(&Lang::fr())));
                }
            }
        });
        if let Some(h) = &self.opening_hours {
            v.field("opening_hours", |v| h.validate(v));
        }
    }
}

/// Reports a phone number with characters other than digits, spaces, `+ . - ( )`, or with
/// fewer than four digits.
fn check_phone(v: &mut Checker, phone: &str) {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let odd = phone
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '+' | '.' | '-' | '(' | ')')));
    if odd || digits < 4 {
        v.report_at("phone", format!("\"{phone}\" is not a telephone number"));
    }
}

/// Reports an e-mail address without a single `@` between a local part and a domain.
fn check_email(v: &mut Checker, email: &str) {
    let ok = match email.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !email.contains(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        v.report_at("email", format!("\"{email}\" is not an e-mail address"));
    }
}

/// A quality label or sign of origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Agriculture biologique (AB), organic farming.
    AgricultureBiologique,
    /// Bienvenue à la ferme, the chambers of agriculture's network of farms open to visitors.
    BienvenueALaFerme,
    /// Appellation d'origine protégée.
    Aop,
    /// Indication géographique protégée.
    Igp,
    /// Label Rouge.
    LabelRouge,
    /// Haute valeur environnementale (HVE) certification.
    HauteValeurEnvironnementale,
    /// Any other label, including ones this version does not know.
    #[serde(other)]
    Other,
}

impl Label {
    /// The label's name in `lang` (French for languages other than fr, en, nl).
    pub fn label(&self, lang: &Lang) -> &'static str {
        let [fr, en, nl] = match self {
            Self::AgricultureBiologique => [
                "Agriculture biologique",
                "Organic farming",
                "Biologische landbouw",
            ],
            Self::BienvenueALaFerme => [
                "Bienvenue à la ferme",
                "Bienvenue à la ferme",
                "Bienvenue à la ferme",
            ],
            Self::Aop => ["AOP", "PDO", "BOB"],
            Self::Igp => ["IGP", "PGI", "BGA"],
            Self::LabelRouge => ["Label Rouge", "Label Rouge", "Label Rouge"],
            Self::HauteValeurEnvironnementale => [
                "Haute valeur environnementale",
                "High environmental value",
                "Hoge milieuwaarde",
            ],
            Self::Other => ["Autre label", "Other label", "Ander label"],
        };
        pick(lang, fr, en, nl)
    }
}

/// A product a producer sells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Id, unique among products.
    pub id: String,
    /// Name, per language.
    pub name: Text,
    /// Description, per language.
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub description: Text,
    /// Id of its category.
    pub category: String,
    /// Id of its producer.
    pub producer: String,
    /// Months in season, 1 (January) to 12; empty means all year.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<u8>,
    /// Indicative price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// Photo blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Sha256>,
}

impl Product {
    /// True when in season in `month` (1 to 12), always when no month is listed.
    pub fn in_season(&self, month: u8) -> bool {
        self.months.is_empty() || self.months.contains(&month)
    }

    /// True when in season on `date`.
    pub fn in_season_on(&self, date: Date) -> bool {
        self.in_season(date.month().unsigned_abs())
    }
}

impl Validate for Product {
    fn validate(&self, v: &mut Checker) {
        v.field("name", |v| self.name.require(v));
        v.field("description", |v| self.description.optional(v));
        v.field("months", |v| {
            let mut seen = BTreeSet::new();
            for m in &self.months {
                if !(1..=12).contains(m) {
                    v.report(format!("{m} is not a month (1 to 12)"));
                } else if !seen.insert(m) {
                    v.report(format!("month {m} is listed twice"));
                }
            }
        });
    }
}

/// A price in euro cents for a unit of sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Price {
    /// Amount in euro cents.
    pub cents: u32,
    /// What the amount buys.
    pub unit: Unit,
}

impl Price {
    /// The price as shown in `lang`: `3,50 € / kg` in French, `€3.50 / kg` in English.
    pub fn display(&self, lang: &Lang) -> String {
        let (euros, cents, unit) = (self.cents / 100, self.cents % 100, self.unit.symbol(lang));
        match lang.as_str() {
            "en" => format!("€{euros}.{cents:02} / {unit}"),
            "nl" => format!("€ {euros},{cents:02} / {unit}"),
            _ => format!("{euros},{cents:02} € / {unit}"),
        }
    }
}

/// The unit a price is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// One item.
    Piece,
    /// A kilogram.
    Kilogram,
    /// A gram.
    Gram,
    /// A litre.
    Litre,
    /// A dozen (eggs).
    Dozen,
    /// A bunch (radishes, leeks).
    Bunch,
    /// A jar.
    Jar,
    /// A bottle.
    Bottle,
    /// A box or basket.
    Box,
    /// Any other unit, including ones this version does not know.
    #[serde(other)]
    Other,
}

impl Unit {
    /// The short name of the unit in `lang` (French for languages other than fr, en, nl).
    pub fn symbol(&self, lang: &Lang) -> &'static str {
        let [fr, en, nl] = match self {
            Self::Piece => ["pièce", "piece", "stuk"],
            Self::Kilogram => ["kg", "kg", "kg"],
            Self::Gram => ["g", "g", "g"],
            Self::Litre => ["l", "l", "l"],
            Self::Dozen => ["douzaine", "dozen", "dozijn"],
            Self::Bunch => ["botte", "bunch", "bos"],
            Self::Jar => ["pot", "jar", "pot"],
            Self::Bottle => ["bouteille", "bottle", "fles"],
            Self::Box => ["colis", "box", "doos"],
            Self::Other => ["unité", "unit", "eenheid"],
        };
        pick(lang, fr, en, nl)
    }
}

/// A place to buy: a farm shop, a market stall, a locker, a drive fermier pick-up point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointOfSale {
    /// Id, unique among points of sale.
    pub id: String,
    /// Name, per language.
    pub name: Text,
    /// What kind of place.
    pub kind: SaleKind,
    /// Its commune.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<Insee>,
    /// Postal address, one line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Location, for the kiosk map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo: Option<GeoPoint>,
    /// Ids of the producers selling there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub producers: Vec<String>,
    /// When it is open (empty for a pick-up-only point).
    #[serde(default, skip_serializing_if = "OpeningHours::is_empty")]
    pub opening_hours: OpeningHours,
    /// Weekly pick-up sessions of pre-ordered baskets (drive fermier, AMAP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pickup_sessions: Vec<PickupSession>,
    /// Web site or ordering page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

impl Validate for PointOfSale {
    fn validate(&self, v: &mut Checker) {
        v.field("name", |v| self.name.require(v));
        if let Some(g) = &self.geo {
            v.field("geo", |v| g.validate(v));
        }
        v.field("producers", |v| {
            let mut seen = BTreeSet::new();
            for id in &self.producers {
                if !seen.insert(id) {
                    v.report(format!("producer \"{id}\" is listed twice"));
                }
            }
        });
        v.field("opening_hours", |v| self.opening_hours.validate(v));
        v.each(
            "pickup_sessions",
            &self.pickup_sessions,
            |_| "",
            |v, s| s.validate(v),
        );
        check_url(v, "website", self.website.as_deref());
    }
}

/// The kinds of points of sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleKind {
    /// A shop at the farm.
    FarmShop,
    /// A market stall.
    Market,
    /// A shop (grocery, cooperative, producers' shop).
    Shop,
    /// A self-service locker (casier fermier).
    Locker,
    /// A drive fermier: ordered online, picked up at a set time.
    DriveFermier,
    /// An AMAP (community-supported agriculture) distribution.
    Amap,
    /// Anything else, including kinds this version does not know.
    #[serde(other)]
    Other,
}

impl SaleKind {
    /// A short label in `lang` (French for languages other than fr, en, nl).
    pub fn label(&self, lang: &Lang) -> &'static str {
        let [fr, en, nl] = match self {
            Self::FarmShop => ["Vente à la ferme", "Farm shop", "Boerderijwinkel"],
            Self::Market => ["Marché", "Market", "Markt"],
            Self::Shop => ["Magasin", "Shop", "Winkel"],
            Self::Locker => ["Casier fermier", "Farm locker", "Automaat"],
            Self::DriveFermier => [
                "Drive fermier",
                "Farm click & collect",
                "Boerderij-afhaalpunt",
            ],
            Self::Amap => ["AMAP", "Community-supported farm", "Voedselteam"],
            Self::Other => ["Point de vente", "Point of sale", "Verkooppunt"],
        };
        pick(lang, fr, en, nl)
    }
}

/// A weekly pick-up session: `weekday` from `start` to `end`, local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupSession {
    /// The day of the session.
    pub weekday: Weekday,
    /// Start (inclusive).
    pub start: TimeOfDay,
    /// End (exclusive).
    pub end: TimeOfDay,
    /// The ordering deadline, when orders are needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_before: Option<OrderDeadline>,
    /// A note ("au local de l'ancienne gare").
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub note: Text,
}

impl PickupSession {
    /// The session as a weekly window, for [`Window::occurrence_on`] and friends.
    pub fn window(&self) -> Window {
        Window {
            weekdays: vec![self.weekday],
            ..Window::daily(self.start, self.end)
        }
    }

    /// The local datetime by which to order for the session on `date`, if orders are needed.
    pub fn order_deadline(&self, date: Date) -> Option<DateTime> {
        self.order_before.map(|o| o.for_pickup_on(date))
    }
}

impl Validate for PickupSession {
    fn validate(&self, v: &mut Checker) {
        self.window().validate(v);
        v.field("note", |v| self.note.optional(v));
    }
}

/// When orders close: `days_before` the session, at `time` local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderDeadline {
    /// Days before the session date (0 = the same day).
    pub days_before: u8,
    /// Local time on that day.
    pub time: TimeOfDay,
}

impl OrderDeadline {
    /// The local deadline for a session on `date`.
    pub fn for_pickup_on(&self, date: Date) -> DateTime {
        let mut day = date;
        for _ in 0..self.days_before {
            day = crate::time::prev_day(day);
        }
        self.time.on(day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::hours::Slot;
    use crate::test_util::{insee, tod};

    fn realistic() -> Catalogue {
        Catalogue {
            categories: vec![
                Category {
                    id: "produits-laitiers".into(),
                    name: Text::fr("Produits laitiers").with(Lang::en(), "Dairy"),
                    icon: Some(Sha256::of(b"icone lait")),
                    parent: None,
                },
                Category {
                    id: "fromages".into(),
                    name: Text::fr("Fromages").with(Lang::nl(), "Kazen"),
                    icon: None,
                    parent: Some("produits-laitiers".into()),
                },
                Category {
                    id: "legumes".into(),
                    name: Text::fr("Légumes"),
                    icon: None,
                    parent: None,
                },
            ],
            producers: vec![
                Producer {
                    id: "ferme-du-bois".into(),
                    name: "Ferme du Bois".into(),
                    description: Text::fr("Élevage laitier et fromagerie à Preures."),
                    commune: Some(insee("62670")),
                    address: "12 rue de l'Église, 62650 Preures".into(),
                    geo: Some(GeoPoint {
                        lat_e6: 50_572_000,
                        lon_e6: 1_875_000,
                    }),
                    phone: Some("03 21 00 00 00".into()),
                    website: Some("https://ferme-du-bois.example".into()),
                    email: Some("contact@ferme-du-bois.example".into()),
                    labels: vec![Label::BienvenueALaFerme, Label::AgricultureBiologique],
                    photos: vec![Sha256::of(b"photo 1"), Sha256::of(b"photo 2")],
                    opening_hours: Some(OpeningHours {
                        slots: vec![Slot {
                            weekdays: vec![Weekday::Fri, Weekday::Sat],
                            start: tod("14:00"),
                            end: tod("18:30"),
                        }],
                        exceptions: vec![],
                    }),
                },
                Producer {
                    id: "maraichage-bourthes".into(),
                    name: "Les Jardins de Bourthes".into(),
                    description: Text::default(),
                    commune: Some(insee("62168")),
                    address: String::new(),
                    geo: None,
                    phone: None,
                    website: None,
                    email: None,
                    labels: vec![],
                    photos: vec![],
                    opening_hours: None,
                },
            ],
            products: vec![
                Product {
                    id: "tomme".into(),
                    name: Text::fr("Tomme du Haut Pays"),
                    description: Text::fr("Tomme au lait cru affinée trois mois."),
                    category: "fromages".into(),
                    producer: "ferme-du-bois".into(),
                    months: vec![],
                    price: Some(Price {
                        cents: 1890,
                        unit: Unit::Kilogram,
                    }),
                    photo: Some(Sha256::of(b"tomme")),
                },
                Product {
                    id: "asperges".into(),
                    name: Text::fr("Asperges blanches").with(Lang::nl(), "Witte asperges"),
                    description: Text::default(),
                    category: "legumes".into(),
                    producer: "maraichage-bourthes".into(),
                    months: vec![4, 5, 6],
                    price: Some(Price {
                        cents: 450,
                        unit: Unit::Bunch,
                    }),
                    photo: None,
                },
            ],
            points_of_sale: vec![
                PointOfSale {
                    id: "drive-fruges".into(),
                    name: Text::fr("Drive fermier de Fruges"),
                    kind: SaleKind::DriveFermier,
                    commune: Some(insee("62364")),
                    address: "Place du Général de Gaulle, 62310 Fruges".into(),
                    geo: Some(GeoPoint {
                        lat_e6: 50_515_000,
                        lon_e6: 2_133_000,
                    }),
                    producers: vec!["ferme-du-bois".into(), "maraichage-bourthes".into()],
                    opening_hours: OpeningHours::default(),
                    pickup_sessions: vec![PickupSession {
                        weekday: Weekday::Fri,
                        start: tod("17:00"),
                        end: tod("19:00"),
                        order_before: Some(OrderDeadline {
                            days_before: 3,
                            time: tod("12:00"),
                        }),
                        note: Text::fr("Sous la halle"),
                    }],
                    website: Some("https://drive-fermier.example/fruges".into()),
                },
                PointOfSale {
                    id: "marche-hucqueliers".into(),
                    name: Text::fr("Marché de Hucqueliers"),
                    kind: SaleKind::Market,
                    commune: Some(insee("62463")),
                    address: String::new(),
                    geo: None,
                    producers: vec!["maraichage-bourthes".into()],
                    opening_hours: OpeningHours {
                        slots: vec![Slot {
                            weekdays: vec![Weekday::Wed],
                            start: tod("08:00"),
                            end: tod("12:30"),
                        }],
                        exceptions: vec![],
                    },
                    pickup_sessions: vec![],
                    website: None,
                },
            ],
        }
    }

    #[test]
    fn realistic_catalogue_round_trips_and_validates() {
        let c = realistic();
        c.check().unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert!(
            json.contains(r#""price":{"cents":1890,"unit":"kilogram"}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""geo":{"lat_e6":50572000,"lon_e6":1875000}"#),
            "{json}"
        );
        assert!(json.contains(r#""kind":"drive_fermier""#), "{json}");
        assert!(!json.contains(r#""opening_hours":{}"#), "{json}");
        let back: Catalogue = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_fields_and_values_are_tolerated() {
        let c: Catalogue = serde_json::from_str(
            r#"{"categories":[{"id":"c","name":{"fr":"Bières"},"color":"white"}],
                "producers":[{"id":"p","name":"Brasserie","labels":["nature_et_progres","aop"],"siret":"x"}],
                "products":[{"id":"b","name":{"fr":"Blonde"},"category":"c","producer":"p",
                             "price":{"cents":350,"unit":"can","vat":"20"}}],
                "points_of_sale":[{"id":"s","name":{"fr":"Boutique"},"kind":"vending_machine"}],
                "version":2}"#,
        )
        .unwrap();
        assert_eq!(c.producers[0].labels, vec![Label::Other, Label::Aop]);
        assert_eq!(c.products[0].price.unwrap().unit, Unit::Other);
        assert_eq!(c.points_of_sale[0].kind, SaleKind::Other);
        assert!(c.points_of_sale[0].opening_hours.is_empty());
        c.check().unwrap();
    }

    #[test]
    fn seasons_prices_and_lookups() {
        let c = realistic();
        let asperges = c.product("asperges").unwrap();
        assert!(asperges.in_season(5));
        assert!(!asperges.in_season(7));
        assert!(asperges.in_season_on("2026-04-30".parse().unwrap()));
        assert!(c.product("tomme").unwrap().in_season(1));
        assert_eq!(
            asperges.price.unwrap().display(&Lang::fr()),
            "4,50 € / botte"
        );
        assert_eq!(
            Price {
                cents: 1890,
                unit: Unit::Kilogram
            }
            .display(&Lang::en()),
            "€18.90 / kg"
        );
        assert_eq!(
            Price {
                cents: 5,
                unit: Unit::Piece
            }
            .display(&Lang::nl()),
            "€ 0,05 / stuk"
        );
        assert_eq!(
            c.products_of("maraichage-bourthes")
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>(),
            ["asperges"]
        );
        assert_eq!(
            c.points_of_sale_of("maraichage-bourthes")
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>(),
            ["drive-fruges", "marche-hucqueliers"]
        );
        assert_eq!(
            c.category("fromages").unwrap().parent.as_deref(),
            Some("produits-laitiers")
        );
        assert_eq!(
            c.producer("ferme-du-bois").unwrap().labels[1].label(&Lang::en()),
            "Organic farming"
        );
    }

    #[test]
    fn pickup_session_window_and_deadline() {
        let c = realistic();
        let s = &c.points_of_sale[0].pickup_sessions[0];
        let tz = crate::time::Zone::paris().tz();
        // Friday 11 December 2026, 17:00–19:00 Paris.
        let occ = s
            .window()
            .occurrence_on(&tz, "2026-12-11".parse().unwrap())
            .unwrap();
        assert_eq!(
            occ.anchor(),
            "2026-12-11T16:00:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert!(
            s.window()
                .occurrence_on(&tz, "2026-12-10".parse().unwrap())
                .is_none()
        );
        assert_eq!(
            s.order_deadline("2026-12-11".parse().unwrap()),
            Some("2026-12-08T12:00".parse().unwrap())
        );
    }

    #[test]
    fn validation_names_missing_references_and_bad_values() {
        let mut c = realistic();
        c.categories[0].parent = Some("fromages".into()); // cycle
        c.categories[2].parent = Some("epicerie".into());
        c.products[0].category = "viandes".into();
        c.products[1].producer = "ferme-inconnue".into();
        c.products[1].months = vec![4, 13, 4, 0];
        c.producers[0].geo = Some(GeoPoint {
            lat_e6: 91_000_000,
            lon_e6: -181_000_000,
        });
        c.producers[0].phone = Some("appelez-nous".into());
        c.producers[0].email = Some("contact.ferme".into());
        c.producers[0].website = Some("ferme-du-bois.example".into());
        c.producers[1].name = " ".into();
        c.points_of_sale[0].producers.push("brasserie".into());
        c.points_of_sale[0].pickup_sessions[0].end = tod("17:00");
        c.points_of_sale[1].name = Text::default();
        c.points_of_sale[1].opening_hours.slots[0]
            .weekdays
            .push(Weekday::Wed);
        c.points_of_sale.push(c.points_of_sale[0].clone());
        let p = c.check().unwrap_err();
        assert!(
            p.has(
                "categories[produits-laitiers].parent",
                "must not form a cycle"
            ),
            "{p}"
        );
        assert!(
            p.has("categories[fromages].parent", "must not form a cycle"),
            "{p}"
        );
        assert!(
            p.has(
                "categories[legumes].parent",
                "unknown category \"epicerie\""
            ),
            "{p}"
        );
        assert!(
            p.has("products[tomme].category", "unknown category \"viandes\""),
            "{p}"
        );
        assert!(
            p.has(
                "products[asperges].producer",
                "unknown producer \"ferme-inconnue\""
            ),
            "{p}"
        );
        assert!(
            p.has("products[asperges].months", "13 is not a month"),
            "{p}"
        );
        assert!(
            p.has("products[asperges].months", "0 is not a month"),
            "{p}"
        );
        assert!(
            p.has("products[asperges].months", "month 4 is listed twice"),
            "{p}"
        );
        assert!(
            p.has(
                "producers[ferme-du-bois].geo.lat_e6",
                "91000000 is outside ±90 degrees"
            ),
            "{p}"
        );
        assert!(
            p.has(
                "producers[ferme-du-bois].geo.lon_e6",
                "-181000000 is outside ±180 degrees"
            ),
            "{p}"
        );
        assert!(
            p.has("producers[ferme-du-bois].phone", "\"appelez-nous\""),
            "{p}"
        );
        assert!(
            p.has("producers[ferme-du-bois].email", "\"contact.ferme\""),
            "{p}"
        );
        assert!(
            p.has(
                "producers[ferme-du-bois].website",
                "\"ferme-du-bois.example\""
            ),
            "{p}"
        );
        assert!(
            p.has("producers[maraichage-bourthes].name", "must not be empty"),
            "{p}"
        );
        assert!(
            p.has(
                "points_of_sale[drive-fruges].producers",
                "unknown producer \"brasserie\""
            ),
            "{p}"
        );
        assert!(
            p.has(
                "points_of_sale[drive-fruges].pickup_sessions[0].end",
                "equals the start (17:00)"
            ),
            "{p}"
        );
        assert!(
            p.has(
                "points_of_sale[drive-fruges].id",
                "duplicate id \"drive-fruges\""
            ),
            "{p}"
        );
        assert!(
            p.has(
                "points_of_sale[marche-hucqueliers].name",
                "at least one language"
            ),
            "{p}"
        );
        assert!(
            p.has(
                "points_of_sale[marche-hucqueliers].opening_hours.slots[0].weekdays",
                "Wed is listed twice"
            ),
            "{p}"
        );
    }
}
