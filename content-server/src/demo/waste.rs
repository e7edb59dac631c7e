//! The demo's waste collection: calendars for three communes written as the officer would
//! (weekdays, ISO week parity, a strict fortnight, nth weekdays, a season, holiday rules of
//! each kind), shared by the demo bundle and the database `serve --demo` fills, and the
//! demo's sorting tips.

use beffroi_protocol::data::waste::{Destination, Reminder, SortingAdvice, Stream};
use beffroi_protocol::text::Text;
use beffroi_protocol::time::Weekday;
use beffroi_waste::{
    Calendar, Holiday, HolidayRule, MonthDay, Rhythm, Rule, Season, Shift, WeekParity,
};
use jiff::civil::Date;

use super::{DemoError, commune, fr_en};

/// A rule collecting `stream` on `rhythm`, moved to the next working day by a holiday.
fn rule(stream: Stream, rhythm: Rhythm, note: Text) -> Rule {
    Rule {
        note,
        ..Rule::new(stream, rhythm)
    }
}

fn weekly(day: Weekday) -> Rhythm {
    Rhythm::Weekly { days: vec![day] }
}

fn household() -> Text {
    fr_en(
        "Bac gris à sortir la veille au soir, poignée côté rue.",
        "Put the grey bin out the evening before, handle facing the street.",
    )
}

fn packaging() -> Text {
    fr_en(
        "Bac jaune : emballages en vrac, bien vidés et non imbriqués.",
        "Yellow bin: loose packaging, emptied, not nested.",
    )
}

fn glass() -> Text {
    fr_en(
        "Caissette verte sans bouchons ni couvercles ; bornes à verre accessibles \
         de 8 h à 20 h.",
        "Green crate without caps or lids; bottle banks open from 8 am to 8 pm.",
    )
}

fn green() -> Text {
    fr_en(
        "D'avril à novembre : tontes en sacs ouverts, branchages en fagots de moins \
         de 1,50 m.",
        "April to November: grass in open bags, branches in bundles under 1.5 m.",
    )
}

/// April to November.
const GARDEN_SEASON: Season = Season {
    from: MonthDay { month: 4, day: 1 },
    until: MonthDay { month: 11, day: 30 },
};

/// The calendars of Fruges, Hucqueliers and Bourthes.
pub(crate) fn calendars() -> Result<Vec<Calendar>, DemoError> {
    use Weekday::{Fri, Mon, Thu, Tue, Wed};
    let calendar = |name: &'static str, rules: Vec<Rule>| -> Result<Calendar, DemoError> {
        let c = commune(name)?;
        Ok(Calendar {
            commune: c.insee.clone(),
            name: c.name.clone(),
            reminder: Reminder::default(),
            rules,
        })
    };
    Ok(vec![
        calendar(
            "Fruges",
            vec![
                // Collected on 8 May as usual; any other holiday moves it to the next day.
                Rule {
                    holidays: HolidayRule {
                        shift: Shift::NextDay,
                        kept: vec![Holiday::VictoryDay],
                    },
                    ..rule(Stream::Household, weekly(Tue), household())
                },
                // A strict fortnight, whatever the week numbers say.
                rule(
                    Stream::Packaging,
                    Rhythm::Fortnightly {
                        days: vec![Thu],
                        first: Date::constant(2024, 1, 4),
                    },
                    packaging(),
                ),
                Rule {
                    holidays: HolidayRule {
                        shift: Shift::Keep,
                        kept: Vec::new(),
                    },
                    ..rule(
                        Stream::Glass,
                        Rhythm::Monthly {
                            nth: vec![2],
                            day: Wed,
                        },
                        glass(),
                    )
                },
                Rule {
                    season: Some(GARDEN_SEASON),
                    ..rule(Stream::GreenWaste, weekly(Mon), green())
                },
            ],
        )?,
        calendar(
            "Hucqueliers",
            vec![
                // The whole week moves by a day after a holiday.
                Rule {
                    holidays: HolidayRule {
                        shift: Shift::RestOfWeek,
                        kept: Vec::new(),
                    },
                    ..rule(Stream::Household, weekly(Wed), household())
                },
                // As the paper calendar says: odd weeks (2026 has 53 of them).
                rule(
                    Stream::Packaging,
                    Rhythm::EveryOtherWeek {
                        days: vec![Fri],
                        parity: WeekParity::Odd,
                    },
                    packaging(),
                ),
                rule(
                    Stream::Glass,
                    Rhythm::Monthly {
                        nth: vec![1],
                        day: Tue,
                    },
                    glass(),
                ),
                Rule {
                    season: Some(GARDEN_SEASON),
                    ..rule(
                        Stream::GreenWaste,
                        Rhythm::EveryOtherWeek {
                            days: vec![Mon],
                            parity: WeekParity::Even,
                        },
                        green(),
                    )
                },
            ],
        )?,
        calendar(
            "Bourthes",
            vec![
                // Brought forward to the day before a holiday.
                Rule {
                    holidays: HolidayRule {
                        shift: Shift::PreviousDay,
                        kept: Vec::new(),
                    },
                    ..rule(Stream::Household, weekly(Thu), household())
                },
                rule(
                    Stream::Packaging,
                    Rhythm::EveryOtherWeek {
                        days: vec![Thu],
                        parity: WeekParity::Even,
                    },
                    packaging(),
                ),
                rule(
                    Stream::Glass,
                    Rhythm::Monthly {
                        nth: vec![-1],
                        day: Fri,
                    },
                    glass(),
                ),
                // No round on a holiday: the next month's.
                Rule {
                    holidays: HolidayRule {
                        shift: Shift::Cancel,
                        kept: Vec::new(),
                    },
                    ..rule(
                        Stream::Bulky,
                        Rhythm::Monthly {
                            nth: vec![3],
                            day: Mon,
                        },
                        fr_en(
                            "Sur inscription en mairie au plus tard le jeudi précédent.",
                            "Book at the town hall by the Thursday before.",
                        ),
                    )
                },
            ],
        )?,
    ])
}

/// The demo's sorting tips, all featured in the "Le saviez-vous ?" rotation.
pub(crate) fn advice() -> Vec<SortingAdvice> {
    let tip =
        |id: &str, name: Text, synonyms: &[&str], destination: Destination, instructions: Text| {
            SortingAdvice {
                id: id.into(),
                name,
                synonyms: synonyms.iter().map(|s| (*s).to_owned()).collect(),
                destination,
                instructions,
                prevention: Text::default(),
                // The demo's guide is short and chosen for screens: all of it rotates.
                featured: true,
            }
        };
    let bin = |stream| Destination::Bin { stream };
    vec![
        tip(
            "pot-de-yaourt",
            fr_en("Pot de yaourt", "Yoghurt pot"),
            &["yogourt", "pot de crème", "pot de fromage blanc"],
            bin(Stream::Packaging),
            fr_en(
                "Bien vidé, inutile de le laver : tous les emballages vont au bac jaune !",
                "Emptied, no need to wash it: all packaging goes in the yellow bin!",
            ),
        ),
        tip(
            "piles",
            fr_en("Piles et petites batteries", "Batteries"),
            &["pile", "batterie", "accumulateur"],
            Destination::TakeBack,
            fr_en(
                "À rapporter dans les bacs des magasins ou en déchetterie, jamais à la poubelle !",
                "Take them back to the collection boxes in shops or to the recycling centre, \
                 never in the bin!",
            ),
        ),
        tip(
            "medicaments",
            fr_en("Médicaments", "Medicines"),
            &["médicament", "comprimés", "sirop", "pommade"],
            Destination::Pharmacy,
            fr_en(
                "Périmés ou non utilisés, à rapporter en pharmacie ; la boîte en carton va \
                 au bac jaune.",
                "Expired or unused, take them back to a pharmacy; the cardboard box goes in \
                 the yellow bin.",
            ),
        ),
        tip(
            "bouteille-en-verre",
            fr_en("Bouteilles et bocaux en verre", "Glass bottles and jars"),
            &["bouteille", "bocal", "pot de confiture"],
            bin(Stream::Glass),
            fr_en(
                "Sans bouchon ni couvercle ; inutile de les rincer.",
                "Without caps or lids; no need to rinse them.",
            ),
        ),
        tip(
            "epluchures",
            fr_en("Épluchures et restes de repas", "Peelings and food scraps"),
            &[
                "épluchure",
                "marc de café",
                "sachet de thé",
                "coquille d'œuf",
            ],
            Destination::Compost,
            fr_en(
                "Au composteur, mélangées à des feuilles ou du carton brun. Composteurs à \
                 prix réduit auprès de la Communauté de communes.",
                "In the compost bin, mixed with leaves or brown cardboard. Compost bins at a \
                 reduced price from the Communauté de communes.",
            ),
        ),
        tip(
            "carton",
            fr_en("Carton d'emballage", "Cardboard box"),
            &["carton", "boîte à chaussures", "cartonnette"],
            bin(Stream::Packaging),
            fr_en(
                "Plié, en vrac dans le bac jaune ; les grands cartons vont en déchetterie.",
                "Folded, loose in the yellow bin; large boxes go to the recycling centre.",
            ),
        ),
        tip(
            "vaisselle-cassee",
            fr_en(
                "Vaisselle et verres à boire",
                "Crockery and drinking glasses",
            ),
            &["assiette", "tasse", "verre à boire", "porcelaine"],
            bin(Stream::Household),
            fr_en(
                "Ils ne se recyclent pas avec le verre d'emballage : bac gris, bien emballés.",
                "They are not recycled with glass packaging: grey bin, well wrapped.",
            ),
        ),
        tip(
            "pot-de-peinture",
            fr_en("Pots de peinture et solvants", "Paint tins and solvents"),
            &["peinture", "solvant", "white-spirit", "vernis"],
            Destination::RecyclingCentre,
            fr_en(
                "Déchets dangereux : en déchetterie, même vides.",
                "Hazardous waste: to the recycling centre, even when empty.",
            ),
        ),
        tip(
            "textiles",
            fr_en("Vêtements, linge et chaussures", "Clothes, linen and shoes"),
            &["vêtement", "linge", "chaussures", "textile"],
            Destination::Other,
            fr_en(
                "Propres et secs, en sac fermé, dans les bornes textiles près des salles des fêtes.",
                "Clean and dry, in a closed bag, in the textile banks near the village halls.",
            ),
        ),
    ]
}

/// Stores the demo's calendars and sorting tips through the officer's rules, skipping the
/// communes whose calendar is whole and the tips already there (a seeding cut short
/// resumes; a calendar cut short is written again).
pub(super) async fn seed(
    state: &crate::server::AppState,
    user: &crate::users::User,
) -> crate::api::error::ApiResult<()> {
    use crate::waste::{edit, store};
    let calendars =
        calendars().map_err(|e| crate::api::error::ApiError::internal("seeding the demo", e))?;
    let mut conn = state.db.acquire().await?;
    let stored = store::calendars(&mut conn).await?;
    let tips = store::advice(&mut conn).await?;
    drop(conn);
    for c in calendars {
        match stored.iter().find(|s| s.commune == c.commune) {
            Some(s) if s.rules.len() >= c.rules.len() => continue,
            // Cut short between two rules: written again whole.
            Some(_) => edit::delete_calendar(state, user, &c.commune).await?,
            None => {}
        }
        edit::save_reminder(state, user, &c.commune, c.reminder).await?;
        for r in c.rules {
            edit::save_rule(state, user, &c.commune, None, r).await?;
        }
    }
    for a in advice() {
        if !tips.iter().any(|t| t.advice.id == a.id) {
            edit::save_advice(state, user, None, a).await?;
        }
    }
    Ok(())
}
