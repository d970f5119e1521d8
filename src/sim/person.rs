//! Made-up people behind the simulated stores' orders. Real platforms send a customer's
//! name, email, phone and address with every order (see the captured WooCommerce
//! `order_single.json`), so the simulated ones do too: the privacy tests check that none
//! of it reaches the store. Each person is derived from a number, so the same customer
//! is always the same person, and the tests can name exactly what the stores sent.

/// One customer's personal details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Phone number, international format.
    pub phone: String,
    /// Street and number.
    pub address_1: String,
    /// City.
    pub city: String,
    /// Postcode.
    pub postcode: String,
}

const FIRST_NAMES: [&str; 12] = [
    "Annelie",
    "Bartholomew",
    "Cosima",
    "Dariusz",
    "Elfriede",
    "Florentin",
    "Gudrun",
    "Hieronymus",
    "Ingeborg",
    "Jolanthe",
    "Konstantin",
    "Liselotte",
];

const LAST_NAMES: [&str; 10] = [
    "Achterberg",
    "Brinkhoff",
    "Czernowitz",
    "Dreesmann",
    "Eichendorff",
    "Fahrenkamp",
    "Grünewald",
    "Hollerbach",
    "Immendorf",
    "Jungblut",
];

const STREETS: [&str; 6] = [
    "Lindenallee",
    "Kastanienweg",
    "Mühlenstraße",
    "Am Rosengarten",
    "Birkenhof",
    "Ulmenring",
];

const CITIES: [(&str, &str); 4] = [
    ("Hamburg", "20"),
    ("Leipzig", "04"),
    ("Freiburg", "79"),
    ("Bremen", "28"),
];

impl Person {
    /// The person with this number, with `email` if the store already knows one (a
    /// guest is known by email only) or one made from the name and number.
    #[must_use]
    pub fn numbered(number: u64, email: Option<&str>) -> Self {
        let pick = |len: usize, salt: u64| {
            (number
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(salt as u32)
                % len as u64) as usize
        };
        let first = FIRST_NAMES[pick(FIRST_NAMES.len(), 7)];
        let last = LAST_NAMES[pick(LAST_NAMES.len(), 19)];
        let (city, area) = CITIES[pick(CITIES.len(), 31)];
        let email = email.map_or_else(
            || {
                format!(
                    "{}.{}.{number}@example.test",
                    first.to_lowercase(),
                    last.to_lowercase()
                )
            },
            str::to_owned,
        );
        Self {
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            email,
            phone: format!("+49 170 {:07}", number % 10_000_000),
            address_1: format!("{} {}", STREETS[pick(STREETS.len(), 43)], 1 + number % 180),
            city: city.to_owned(),
            postcode: format!("{area}{:03}", number % 1000),
        }
    }

    /// A guest known by `email` only: numbered by the email's bytes.
    #[must_use]
    pub fn guest(email: &str) -> Self {
        let number = email.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        }) % 100_000_000;
        Self::numbered(number, Some(email))
    }

    /// "First Last".
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}
