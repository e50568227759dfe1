"""Lifelike applicants from every region, written as they would fill the form."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

# (country code, country as written, nationality as written, phone prefix and national
#  number pattern, family names, first names, cities, mother tongue)
_REGIONS = (
    (
        "KE",
        "Kenya",
        "Kenyan",
        "+254 7## ### ###",
        ("Otieno", "Wanjiru", "Kamau", "Njoroge"),
        ("Grace", "Peter", "Achieng", "Daniel"),
        ("Nairobi", "Kisumu", "Mombasa"),
        "Swahili",
    ),
    (
        "NG",
        "Nigeria",
        "Nigerian",
        "+234 803 ### ####",
        ("Okonkwo", "Adeyemi", "Eze", "Bello"),
        ("Chinwe", "Emeka", "Funmilayo", "Ibrahim"),
        ("Enugu", "Lagos", "Abuja"),
        "Igbo",
    ),
    (
        "CL",
        "Chile",
        "Chilean",
        "+56 32 ### ####",
        ("Muñoz Pérez", "González", "Núñez", "Rojas"),
        ("José Luis", "María José", "Íñigo", "Camila"),
        ("Valparaíso", "Santiago", "Concepción"),
        "Spanish",
    ),
    (
        "RS",
        "Serbia",
        "Serbian",
        "+381 11 ### ####",
        ("Petrović", "Jovanović", "Đurić", "Ilić"),
        ("Milica", "Dragan", "Ana", "Nikola"),
        ("Beograd", "Niš", "Novi Sad"),
        "Serbian",
    ),
    (
        "PL",
        "Poland",
        "Polish",
        "+48 42 ### ## ##",
        ("Wiśniewska", "Łukasik", "Żak", "Kowalski"),
        ("Małgorzata", "Paweł", "Zofia", "Jędrzej"),
        ("Łódź", "Kraków", "Gdańsk"),
        "Polish",
    ),
    (
        "MD",
        "Moldova",
        "Moldovan",
        "+373 22 ### ###",
        ("Țurcanu", "Ciobanu", "Rusu", "Lungu"),
        ("Ștefan", "Ana", "Ion", "Mariana"),
        ("Chișinău", "Bălți", "Cahul"),
        "Romanian",
    ),
    (
        "VN",
        "Viet Nam",
        "Vietnamese",
        "+84 24 #### ####",
        ("Nguyen", "Tran", "Pham", "Le"),
        ("Thi Lan", "Van Minh", "Hoa", "Duc Anh"),
        ("Hanoi", "Hue", "Da Nang"),
        "Vietnamese",
    ),
    (
        "SN",
        "Sénégal",
        "Senegalese",
        "+221 33 ### ## ##",
        ("Diop", "Ndiaye", "Faye", "Sall"),
        ("Aïssatou", "Mamadou", "Fatou", "Cheikh"),
        ("Dakar", "Thiès", "Saint-Louis"),
        "Wolof",
    ),
    (
        "BR",
        "Brazil",
        "Brazilian",
        "+55 61 #### ####",
        ("Conceição", "Araújo", "Gonçalves", "Lima"),
        ("João", "Luíza", "Antônio", "Fernanda"),
        ("Brasília", "São Paulo", "Belém"),
        "Portuguese",
    ),
    (
        "PH",
        "Philippines",
        "Filipino",
        "+63 2 #### ####",
        ("Santos", "Reyes", "Dela Cruz", "Bautista"),
        ("Maria Teresa", "Jose", "Rowena", "Mark Anthony"),
        ("Quezon City", "Cebu", "Davao"),
        "Tagalog",
    ),
    (
        "TR",
        "Turkey",
        "Turkish",
        "+90 312 ### ## ##",
        ("Yılmaz", "Öztürk", "Şahin", "Çelik"),
        ("Ayşe", "Mehmet", "Gül", "Emre"),
        ("Ankara", "İzmir", "Bursa"),
        "Turkish",
    ),
    (
        "FR",
        "France",
        "French",
        "+33 1 ## ## ## ##",
        ("Lefèvre", "Bérénice", "Dubois", "Gauthier"),
        ("Hélène", "François", "Léa", "Jérôme"),
        ("Lyon", "Besançon", "Nîmes"),
        "French",
    ),
)

ORGANIZATIONS = (
    ("Ministry of Local Government", "national_government"),
    ("City Council of {city}", "local_government"),
    ("{city} Water and Sanitation Company Ltd", "private_company"),
    ("Community Action for {city}", "ngo"),
    ("National Union of Municipal Workers", "workers_org"),
    ("Chamber of Commerce of {city}", "employers_org"),
    ("Regional Development Bank", "development_agency"),
    ("Institute for Urban Studies", "research_training"),
    ("Cooperative of Waste Pickers", "other"),
)
POSITIONS = (
    "Director of Works",
    "Programme Officer",
    "Deputy General Secretary",
    "Head of Planning",
    "Project Coordinator",
    "Policy Adviser",
)
STREETS = ("Main Street", "Avenue de la Paix", "ul. Piotrkowska", "Rua das Flores")
SPONSORS = (
    "Swiss Agency for Development and Cooperation, Berne",
    "European Commission Delegation",
    "UNDP Country Office",
)


@dataclass(frozen=True)
class Person:
    """One applicant: what they write on the form, and what a reader would record."""

    written: dict[str, str]
    truth: dict[str, str | int | None]


_NOT_DECOMPOSED = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "ø": "o"})


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_NOT_DECOMPOSED))
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in ". -"))


def _digits(pattern: str, rng: random.Random) -> str:
    return "".join(str(rng.randint(0, 9)) if c == "#" else c for c in pattern)


def make_person(rng: random.Random, serial: int = 0) -> Person:
    """A random applicant; ``serial`` makes the e-mail address unique within a batch."""
    code, country, nationality, phone_pattern, families, firsts, cities, tongue = rng.choice(
        _REGIONS
    )
    family, first, city = rng.choice(families), rng.choice(firsts), rng.choice(cities)
    organization, org_type = rng.choice(ORGANIZATIONS)
    organization = organization.format(city=city)
    born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 12000))
    signed = date(2009, 5, 1) + timedelta(days=rng.randint(0, 44))
    phone = _digits(phone_pattern, rng)
    local = _ascii(f"{first[0]}{family.split()[0]}").replace(" ", "").lower()
    email = (
        f"{local}{serial or rng.randint(1, 99)}@{rng.choice(['gmail.com', 'yahoo.fr', 'mail.org'])}"
    )
    funding = rng.choice(("self", "employer", "sponsor", "cost_sharing"))
    sponsor = rng.choice(SPONSORS) if funding == "sponsor" else ""
    written = {
        "family_name": family.upper() if rng.random() < 0.5 else family,
        "first_names": first,
        "sex": rng.choice(("M", "F")),
        "date_of_birth": born.strftime(rng.choice(("%d/%m/%Y", "%d.%m.%Y"))),
        "nationality": nationality,
        "passport_number": f"{code}{rng.randint(1000000, 9999999)}",
        "mother_tongue": tongue,
        "address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
        "city": city,
        "country": country,
        "phone": phone,
        "fax": "",
        "email": email,
        "organization": organization,
        "org_type": org_type,
        "position": rng.choice(POSITIONS),
        "years_in_position": str(rng.randint(1, 25)),
        "duties": "Planning and supervision of municipal services.",
        "english_level": rng.choice(("excellent", "good", "fair")),
        "funding": funding,
        "sponsor": sponsor,
        "invoice_to": organization,
        "expectations": "Practical tools for partnerships in local service delivery.",
        "date_signed": signed.strftime("%d/%m/%Y"),
    }
    truth: dict[str, str | int | None] = {
        **{k: v or None for k, v in written.items() if k not in ("duties", "expectations", "fax")},
        "family_name": family,
        "date_of_birth": born.isoformat(),
        "nationality": code,
        "country": code,
        "phone": "+" + "".join(c for c in phone if c.isdigit()),
        "years_in_position": int(written["years_in_position"]),
        "date_signed": signed.isoformat(),
    }
    return Person(written=written, truth=truth)
