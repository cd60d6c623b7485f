"""Bulk generation of realistic benchmark content, and its removal.

Benchmark rows are marked so they can be told apart from real and demo content:
case studies, frameworks and councils made here have slugs starting ``bench-``.
Nothing that exists already is changed; demo content is loaded first if the
database has no silos yet, because bench content is spread over the demo silos.

Speed matters (100,000 case studies in minutes), so rows go in with COPY and
the search index is built in set-based batches; no model save() runs per row and
no history is written for generated rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from councils.models import Council, ServiceSilo
from practices.models import CaseStudy, CitizenGroup, Framework, FundingSource
from practices.services.discovery_stats import discovery_stats_refresh
from practices.services.search_index import search_index_rebuild, search_index_update

BENCH_PREFIX = "bench-"
COPY_BATCH = 5000


class BenchDataError(Exception):
    """Benchmark data could not be generated."""


# Real councils beyond the demo set: (name, kind, region). Nation follows the region.
EXTRA_COUNCILS = """
Derbyshire County Council|county|east-midlands
Leicestershire County Council|county|east-midlands
Lincolnshire County Council|county|east-midlands
Nottinghamshire County Council|county|east-midlands
Cambridgeshire County Council|county|east
Hertfordshire County Council|county|east
Suffolk County Council|county|east
East Sussex County Council|county|south-east
West Sussex County Council|county|south-east
Surrey County Council|county|south-east
Oxfordshire County Council|county|south-east
Gloucestershire County Council|county|south-west
Somerset Council|unitary|south-west
Staffordshire County Council|county|west-midlands
Warwickshire County Council|county|west-midlands
Worcestershire County Council|county|west-midlands
Cumberland Council|unitary|north-west
North Yorkshire Council|unitary|yorkshire-humber
Northumberland County Council|unitary|north-east
Durham County Council|unitary|north-east
Wiltshire Council|unitary|south-west
Shropshire Council|unitary|west-midlands
Herefordshire Council|unitary|west-midlands
Bath and North East Somerset Council|unitary|south-west
Bournemouth, Christchurch and Poole Council|unitary|south-west
Isle of Wight Council|unitary|south-east
Medway Council|unitary|south-east
Reading Borough Council|unitary|south-east
Southampton City Council|unitary|south-east
Portsmouth City Council|unitary|south-east
Swindon Borough Council|unitary|south-west
Luton Borough Council|unitary|east
Peterborough City Council|unitary|east
Southend-on-Sea City Council|unitary|east
Thurrock Council|unitary|east
Derby City Council|unitary|east-midlands
Rutland County Council|unitary|east-midlands
Stoke-on-Trent City Council|unitary|west-midlands
Hull City Council|unitary|yorkshire-humber
North Lincolnshire Council|unitary|yorkshire-humber
Middlesbrough Council|unitary|north-east
Darlington Borough Council|unitary|north-east
Hartlepool Borough Council|unitary|north-east
Stockton-on-Tees Borough Council|unitary|north-east
Blackpool Council|unitary|north-west
Blackburn with Darwen Borough Council|unitary|north-west
Warrington Borough Council|unitary|north-west
Halton Borough Council|unitary|north-west
Cheshire East Council|unitary|north-west
Cheshire West and Chester Council|unitary|north-west
Sheffield City Council|metropolitan|yorkshire-humber
Bradford Metropolitan District Council|metropolitan|yorkshire-humber
Kirklees Council|metropolitan|yorkshire-humber
Calderdale Council|metropolitan|yorkshire-humber
Wakefield Council|metropolitan|yorkshire-humber
Barnsley Metropolitan Borough Council|metropolitan|yorkshire-humber
Rotherham Metropolitan Borough Council|metropolitan|yorkshire-humber
Doncaster Council|metropolitan|yorkshire-humber
Salford City Council|metropolitan|north-west
Stockport Metropolitan Borough Council|metropolitan|north-west
Oldham Council|metropolitan|north-west
Rochdale Borough Council|metropolitan|north-west
Bolton Council|metropolitan|north-west
Tameside Metropolitan Borough Council|metropolitan|north-west
Trafford Council|metropolitan|north-west
Sefton Council|metropolitan|north-west
Knowsley Council|metropolitan|north-west
Wirral Council|metropolitan|north-west
St Helens Borough Council|metropolitan|north-west
Gateshead Council|metropolitan|north-east
North Tyneside Council|metropolitan|north-east
South Tyneside Council|metropolitan|north-east
Coventry City Council|metropolitan|west-midlands
Wolverhampton City Council|metropolitan|west-midlands
Dudley Metropolitan Borough Council|metropolitan|west-midlands
Sandwell Council|metropolitan|west-midlands
Walsall Council|metropolitan|west-midlands
Solihull Metropolitan Borough Council|metropolitan|west-midlands
London Borough of Islington|london-borough|london
London Borough of Southwark|london-borough|london
London Borough of Lewisham|london-borough|london
London Borough of Greenwich|london-borough|london
London Borough of Newham|london-borough|london
London Borough of Haringey|london-borough|london
London Borough of Barnet|london-borough|london
London Borough of Ealing|london-borough|london
London Borough of Brent|london-borough|london
London Borough of Hounslow|london-borough|london
London Borough of Sutton|london-borough|london
Royal Borough of Kingston upon Thames|london-borough|london
Royal Borough of Kensington and Chelsea|london-borough|london
London Borough of Redbridge|london-borough|london
London Borough of Waltham Forest|london-borough|london
London Borough of Enfield|london-borough|london
Cheltenham Borough Council|district|south-west
Stroud District Council|district|south-west
Mid Devon District Council|district|south-west
South Cambridgeshire District Council|district|east
Huntingdonshire District Council|district|east
Breckland Council|district|east
Ipswich Borough Council|district|east
Colchester City Council|district|east
Maidstone Borough Council|district|south-east
Tunbridge Wells Borough Council|district|south-east
Guildford Borough Council|district|south-east
Winchester City Council|district|south-east
Basingstoke and Deane Borough Council|district|south-east
Cherwell District Council|district|south-east
Harrogate Borough Council|district|yorkshire-humber
Preston City Council|district|north-west
Carlisle City Council|district|north-west
Nuneaton and Bedworth Borough Council|district|west-midlands
Stratford-on-Avon District Council|district|west-midlands
Charnwood Borough Council|district|east-midlands
Ashfield District Council|district|east-midlands
Aberdeenshire Council|scottish|scotland
Angus Council|scottish|scotland
Argyll and Bute Council|scottish|scotland
Dundee City Council|scottish|scotland
East Ayrshire Council|scottish|scotland
Falkirk Council|scottish|scotland
Moray Council|scottish|scotland
North Lanarkshire Council|scottish|scotland
Perth and Kinross Council|scottish|scotland
Renfrewshire Council|scottish|scotland
Scottish Borders Council|scottish|scotland
Stirling Council|scottish|scotland
West Lothian Council|scottish|scotland
Comhairle nan Eilean Siar|scottish|scotland
Orkney Islands Council|scottish|scotland
Shetland Islands Council|scottish|scotland
Bridgend County Borough Council|welsh|wales
Caerphilly County Borough Council|welsh|wales
Carmarthenshire County Council|welsh|wales
Ceredigion County Council|welsh|wales
Conwy County Borough Council|welsh|wales
Denbighshire County Council|welsh|wales
Flintshire County Council|welsh|wales
Gwynedd Council|welsh|wales
Isle of Anglesey County Council|welsh|wales
Monmouthshire County Council|welsh|wales
Neath Port Talbot Council|welsh|wales
Pembrokeshire County Council|welsh|wales
Rhondda Cynon Taf County Borough Council|welsh|wales
Vale of Glamorgan Council|welsh|wales
Wrexham County Borough Council|welsh|wales
Antrim and Newtownabbey Borough Council|ni|northern-ireland
Ards and North Down Borough Council|ni|northern-ireland
Armagh City, Banbridge and Craigavon Borough Council|ni|northern-ireland
Causeway Coast and Glens Borough Council|ni|northern-ireland
Fermanagh and Omagh District Council|ni|northern-ireland
Mid Ulster District Council|ni|northern-ireland
Newry, Mourne and Down District Council|ni|northern-ireland
Greater Manchester Fire and Rescue Service|fire|north-west
Devon and Somerset Fire and Rescue Service|fire|south-west
West Yorkshire Police|police|yorkshire-humber
Thames Valley Police|police|south-east
NHS Lothian|health|scotland
"""

_NATIONS = {"scotland": "scotland", "wales": "wales", "northern-ireland": "northern-ireland"}


@dataclass(frozen=True)
class Capability:
    """A practice that recurs across silos, with the words write-ups about it use."""

    title: str
    tags: tuple[str, ...]
    problems: tuple[str, ...]
    approaches: tuple[str, ...]
    outcomes: tuple[str, ...]


CAPABILITIES = [
    Capability(
        "Vehicle tracking",
        ("vehicle tracking", "gps", "real-time information", "fleet management", "telematics"),
        (
            "Nobody could say where the {thing} were without phoning the drivers.",
            "Residents rang the contact centre to ask whether the {thing} had been and gone.",
            "Mileage claims and fuel costs for the {thing} kept rising and nobody could explain why.",
        ),
        (
            "We fitted GPS trackers to the {thing} and showed live positions on a map in the control room.",
            "Tracking data was shared with the contact centre so advisers could answer calls about the {thing}.",
            "We reused the council's existing telematics contract rather than buying a separate system.",
            "Drivers and trade unions agreed how tracking data would and would not be used before go-live.",
        ),
        (
            "Calls asking where the {thing} were fell by {pct}%.",
            "Fuel use fell by {pct}% once routes were planned from the tracking history.",
        ),
    ),
    Capability(
        "Online booking",
        ("online booking", "self-service", "online payments", "channel shift", "appointments"),
        (
            "All bookings for {thing} were taken by phone and re-keyed into the back-office system.",
            "Residents waited weeks for {thing} and could not change a booking without calling again.",
        ),
        (
            "Residents now book {thing} online, choose from real available slots and pay by card.",
            "We configured the corporate booking engine rather than buying a system just for {thing}.",
            "Confirmation and reminder text messages are sent automatically for every booking.",
        ),
        (
            "{pct}% of bookings for {thing} are now made online.",
            "The cost per booking fell from £{money_small} to under £2.",
        ),
    ),
    Capability(
        "Mobile working",
        ("mobile working", "tablets", "offline forms", "field staff", "mobile app"),
        (
            "Staff visiting {thing} filled in paper forms that were typed up days later.",
            "Officers came back to the office every afternoon to update records about {thing}.",
        ),
        (
            "Field staff record visits to {thing} on tablets with forms that work without a signal.",
            "Records sync with the back-office system as soon as the device is back in coverage.",
            "We ran the forms past the staff who would use them before any device was bought.",
        ),
        (
            "Each officer now completes {num} more visits a week.",
            "The typing backlog for {thing} disappeared within three months.",
        ),
    ),
    Capability(
        "Document imaging",
        ("document imaging", "electronic records", "workflow", "records management", "scanning"),
        (
            "Paper files about {thing} were lost or misfiled and moved between teams on trolleys.",
            "Evidence about {thing} was asked for again because nobody could find the original.",
        ),
        (
            "All post about {thing} is scanned and indexed on the day it arrives.",
            "Work is sent to officers through electronic queues, so managers can see the age of every item.",
            "We back-scanned only live cases rather than the whole archive.",
        ),
        (
            "Processing time for {thing} fell from {num} days to {small} days.",
            "Two floors of file storage were released.",
        ),
    ),
    Capability(
        "Single contact centre",
        ("contact centre", "customer relationship management", "first contact resolution", "telephony"),
        (
            "Residents asking about {thing} were passed between departments and often rang back several times.",
            "Each service had its own phone line and nobody knew how many calls about {thing} went unanswered.",
        ),
        (
            "Calls about {thing} moved into the corporate contact centre with scripts written by the service.",
            "Advisers record every contact in the CRM so the next adviser can see the whole history.",
        ),
        (
            "{pct}% of calls about {thing} are now resolved at first contact.",
            "Abandoned calls fell from {pct}% to under 5%.",
        ),
    ),
    Capability(
        "Multi-agency information sharing",
        ("data sharing agreement", "multi-agency working", "information governance", "nhs number"),
        (
            "Each agency held part of the picture about {thing} and decisions waited days for information.",
            "Staff were unsure what they could share about {thing} and so shared nothing.",
        ),
        (
            "Partners signed one information sharing agreement covering {thing}.",
            "Staff from the council, police and health sit together and check each agency's records.",
            "We wrote a one-page guide to when information may be shared without consent.",
        ),
        (
            "Decisions about {thing} made within a day rose from {pct}% to over 90%.",
            "Repeat referrals fell by a third.",
        ),
    ),
    Capability(
        "Single client record",
        ("single client record", "data matching", "master data", "gazetteer"),
        (
            "The same resident appeared in several systems with different addresses and no way to link them.",
            "Officers dealing with {thing} could not see what other services knew about a household.",
        ),
        (
            "We matched records across systems against the address gazetteer and the NHS number.",
            "A single view of each household is now shown to staff dealing with {thing}.",
        ),
        (
            "Duplicate records fell by {pct}%.",
            "Letters returned as undeliverable fell from {num} a month to a handful.",
        ),
    ),
    Capability(
        "Route optimisation",
        ("route optimisation", "scheduling", "fleet management", "rural"),
        (
            "Rounds for {thing} had not been rebalanced for years despite thousands of new homes.",
            "Vehicles serving {thing} crossed each other's routes several times a day.",
        ),
        (
            "We redesigned the rounds for {thing} with routing software and the crews' own knowledge.",
            "Schedules are now rebuilt each week from the tracking history.",
        ),
        (
            "Rebalancing removed {small} rounds and saved around £{money}k a year.",
            "Mileage fell by {pct}%.",
        ),
    ),
    Capability(
        "Online reporting",
        ("fault reporting", "self-service", "online forms", "mobile app", "channel shift"),
        (
            "Problems with {thing} were reported by phone and often reported several times over.",
            "Residents had no way of knowing whether anyone had looked at their report about {thing}.",
        ),
        (
            "Residents report problems with {thing} online with a photo and a pin on a map.",
            "Reports go straight to the inspector's device and the resident is told when the job is done.",
        ),
        (
            "{pct}% of reports about {thing} now arrive online.",
            "Duplicate reports fell by half because residents can see what is already reported.",
        ),
    ),
    Capability(
        "Text message reminders",
        ("text messaging", "reminders", "missed appointments", "channel shift"),
        (
            "Missed appointments for {thing} cost staff time and left others waiting.",
            "Letters about {thing} arrived too late to be useful.",
        ),
        (
            "Residents get a text message reminder two days and two hours before {thing}.",
            "Replies to the reminder cancel or rebook the slot automatically.",
        ),
        ("Missed appointments fell by {pct}%.", "Freed slots were offered to {num} more residents a month."),
    ),
    Capability(
        "Invest to save business case",
        ("invest to save", "business case", "benefits realisation", "efficiency savings"),
        (
            "The service for {thing} needed new systems but had no capital budget.",
            "Savings from earlier projects on {thing} were claimed but never measured.",
        ),
        (
            "We wrote an invest to save business case repaid from reduced agency staff and storage.",
            "Benefits were tracked monthly by finance rather than by the project team.",
        ),
        ("The investment of £{money}k was repaid within {small} years.", "Savings of £{money}k a year were banked."),
    ),
    Capability(
        "Telecare and assistive technology",
        ("telecare", "assistive technology", "falls prevention", "response team"),
        (
            "People living alone waited hours for help after a fall.",
            "Care packages for {thing} were increased because nobody could check on people overnight.",
        ),
        (
            "We offered sensors and pendant alarms linked to a 24-hour response team.",
            "Occupational therapists choose the equipment with the resident and their carers.",
        ),
        (
            "Hospital admissions after falls fell by {pct}%.",
            "{num} people stayed at home rather than moving into care.",
        ),
    ),
    Capability(
        "Open data publishing",
        ("open data", "transparency", "api", "real-time information"),
        (
            "Developers and residents asked for data about {thing} through freedom of information requests.",
            "Information about {thing} was locked in reports nobody outside the council could read.",
        ),
        (
            "We publish data about {thing} under the Open Government Licence with an open API.",
            "The published feed is the same one our own website uses.",
        ),
        ("Freedom of information requests about {thing} fell by {pct}%.", "{small} apps now use the open feed."),
    ),
    Capability(
        "Chatbot and web chat",
        ("web chat", "chatbot", "channel shift", "self-service"),
        (
            "Simple questions about {thing} took up most of the contact centre's time.",
            "Residents could not get an answer about {thing} outside office hours.",
        ),
        (
            "A web chat service answers common questions about {thing} and hands over to an adviser when needed.",
            "Answers were written with the service team and reviewed each month from real conversations.",
        ),
        ("{pct}% of chats about {thing} end without a phone call.", "Out-of-hours contacts rose by {pct}%."),
    ),
    Capability(
        "Shared service with neighbouring councils",
        ("shared service", "partnership working", "collaboration", "efficiency savings"),
        (
            "Each council ran its own small team for {thing} and none could cover sickness.",
            "Neighbouring councils bought the same system for {thing} separately.",
        ),
        (
            "Three neighbouring councils now run {thing} as one shared team with one system.",
            "A joint committee agreed the cost sharing formula before staff moved.",
        ),
        ("Running costs for {thing} fell by {pct}% across the partners.", "Cover for absence is no longer a problem."),
    ),
]

# What each silo calls the things it works on, its jargon, and its own tags.
SILO_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "transport": {
        "things": (
            "bus services",
            "school buses",
            "community transport minibuses",
            "park and ride buses",
            "concessionary bus passes",
            "bus stops",
            "parking permits",
            "demand responsive transport",
        ),
        "jargon": ("RTPI", "ENCTS", "NaPTAN", "bus lane enforcement", "Bus Service Improvement Plan", "DRT"),
        "tags": ("bus information", "concessionary travel", "parking", "community transport", "smart cards"),
    },
    "waste-and-recycling": {
        "things": (
            "refuse collection vehicles",
            "bin lorries",
            "bulky waste collections",
            "garden waste subscriptions",
            "household waste recycling centres",
            "missed bin reports",
            "assisted bin collections",
            "trade waste customers",
        ),
        "jargon": ("HWRC", "WEEE", "kerbside sort", "in-cab devices", "missed bins", "fly-tipping"),
        "tags": ("in-cab technology", "assisted collections", "garden waste", "fly-tipping", "recycling"),
    },
    "adult-social-care": {
        "things": (
            "meals on wheels rounds",
            "home care visits",
            "day centre transport",
            "care assessments",
            "carers' assessments",
            "hospital discharges",
            "direct payments",
            "reablement packages",
        ),
        "jargon": ("reablement", "Care Act assessment", "strengths-based practice", "delayed transfers of care", "CHC"),
        "tags": ("home care", "hospital discharge", "carers", "reablement", "direct payments"),
    },
    "childrens-services": {
        "things": (
            "child protection referrals",
            "children in care placements",
            "early help assessments",
            "care leavers",
            "family support plans",
            "foster carers",
            "safeguarding concerns",
        ),
        "jargon": ("MASH", "early help", "section 47 enquiries", "LADO", "corporate parenting", "Signs of Safety"),
        "tags": ("safeguarding", "early help", "children in care", "care leavers", "fostering"),
    },
    "housing": {
        "things": (
            "housing repairs",
            "council tenancies",
            "homelessness applications",
            "temporary accommodation placements",
            "houses in multiple occupation",
            "void properties",
            "housing register applications",
        ),
        "jargon": ("voids", "HMO licensing", "housing options", "choice based lettings", "damp and mould", "TA"),
        "tags": ("housing repairs", "homelessness prevention", "tenancy management", "licensing", "damp and mould"),
    },
    "education": {
        "things": (
            "school admissions",
            "home-to-school transport",
            "special educational needs plans",
            "free school meals",
            "school place planning",
            "attendance cases",
        ),
        "jargon": ("EHCP", "SEND", "in-year admissions", "pupil premium", "elective home education"),
        "tags": ("school transport", "school admissions", "send", "free school meals", "attendance"),
    },
    "public-health": {
        "things": (
            "stop smoking referrals",
            "sexual health clinics",
            "drug and alcohol services",
            "health checks",
            "weight management programmes",
            "outbreak management",
        ),
        "jargon": ("NHS Health Check", "JSNA", "health inequalities", "social prescribing", "brief interventions"),
        "tags": ("electronic referrals", "health inequalities", "social prescribing", "stop smoking", "prevention"),
    },
    "planning": {
        "things": (
            "planning applications",
            "planning files",
            "building control inspections",
            "land charges searches",
            "local plan consultations",
            "enforcement complaints",
        ),
        "jargon": ("development management", "section 106", "local plan", "permitted development", "LLPG"),
        "tags": ("e-consultation", "planning applications", "building control", "land charges", "gazetteer"),
    },
    "highways": {
        "things": (
            "potholes",
            "gritters",
            "street lights",
            "highway inspections",
            "roadworks permits",
            "drainage gullies",
            "winter gritting routes",
        ),
        "jargon": ("winter maintenance", "street works permits", "asset management", "carriageway defects", "gullies"),
        "tags": ("winter maintenance", "street lighting", "potholes", "asset management", "roadworks"),
    },
    "libraries-and-culture": {
        "things": (
            "library loans",
            "library self-service kiosks",
            "community rooms",
            "museum collections",
            "archive searches",
            "mobile library routes",
        ),
        "jargon": ("RFID", "library management system", "digital inclusion", "makerspaces", "e-lending"),
        "tags": ("rfid", "digital inclusion", "room booking", "archives", "e-books"),
    },
    "revenues-and-benefits": {
        "things": (
            "housing benefit claims",
            "council tax accounts",
            "council tax support applications",
            "business rates bills",
            "benefit forms",
            "discretionary housing payments",
        ),
        "jargon": ("CTR", "DHP", "single person discount", "recovery", "universal credit", "NNDR"),
        "tags": ("council tax", "housing benefit", "debt recovery", "universal credit", "e-billing"),
    },
    "customer-services": {
        "things": (
            "phone calls",
            "complaints",
            "one-stop shop visits",
            "website enquiries",
            "customer accounts",
            "freedom of information requests",
        ),
        "jargon": ("first contact resolution", "avoidable contact", "channel shift", "CRM", "omnichannel"),
        "tags": ("complaints handling", "customer accounts", "web chat", "telephony", "bilingual services"),
    },
    "environmental-health": {
        "things": (
            "food hygiene inspections",
            "noise complaints",
            "pest control visits",
            "licensing applications",
            "air quality monitoring",
            "private water supplies",
        ),
        "jargon": ("food hygiene rating", "statutory nuisance", "taxi licensing", "HMO inspections", "air quality"),
        "tags": ("inspections", "noise", "food hygiene", "air quality", "evidence capture"),
    },
    "community-safety": {
        "things": (
            "anti-social behaviour cases",
            "CCTV cameras",
            "domestic abuse referrals",
            "community safety partnership meetings",
            "hate crime reports",
        ),
        "jargon": ("MARAC", "community triggers", "PSPO", "CCTV control room", "ASB case review"),
        "tags": ("anti-social behaviour", "cctv", "domestic abuse", "case management", "hate crime"),
    },
    "digital-and-it": {
        "things": (
            "corporate systems",
            "records management",
            "data centres",
            "staff laptops",
            "information requests",
            "cyber security incidents",
        ),
        "jargon": ("cloud migration", "EDRMS", "PSN compliance", "robotic process automation", "API gateway"),
        "tags": ("cloud", "cyber security", "robotic process automation", "api", "edrms"),
    },
    "registration-services": {
        "things": (
            "birth registrations",
            "death registrations",
            "marriage ceremonies",
            "citizenship ceremonies",
            "certificate orders",
        ),
        "jargon": ("Tell Us Once", "notice of marriage", "registration appointments", "nationality checking"),
        "tags": ("tell us once", "ceremonies", "certificates", "appointments", "bereavement"),
    },
    "leisure-and-sport": {
        "things": (
            "leisure centre memberships",
            "swimming lessons",
            "sports pitch bookings",
            "exercise referral programmes",
            "park events",
        ),
        "jargon": ("GP exercise referral", "active lifestyles", "concessionary memberships", "leisure trust"),
        "tags": ("memberships", "swimming", "pitch bookings", "physical activity", "parks"),
    },
}

# Rarely used tags: the long tail most tag clouds have.
LONG_TAIL_TAGS = (
    "lean review",
    "behavioural insights",
    "co-production",
    "user research",
    "accessibility",
    "welsh language",
    "gaelic",
    "artificial intelligence",
    "machine learning",
    "blockchain",
    "internet of things",
    "lorawan",
    "drones",
    "lidar",
    "electric vehicles",
    "net zero",
    "carbon reduction",
    "solar panels",
    "air source heat pumps",
    "procurement",
    "framework contract",
    "social value",
    "volunteering",
    "peer review",
    "apprenticeships",
    "agile delivery",
    "service design",
    "digital by default",
    "paperless office",
    "hybrid working",
    "kiosks",
    "qr codes",
    "bilingual services",
    "easy read",
    "british sign language",
    "translation",
    "fuel poverty",
    "cost of living",
    "warm spaces",
    "food banks",
    "loneliness",
    "dementia friendly",
    "armed forces covenant",
    "refugee resettlement",
    "gypsy and traveller sites",
    "flood warnings",
    "coastal erosion",
    "heritage",
    "tourism",
    "town centre regeneration",
)

CITIZEN_PHRASES = (
    "older people living alone",
    "families on low incomes",
    "disabled residents",
    "people in rural villages",
    "young people leaving care",
    "people whose first language is not English",
    "carers",
    "small businesses",
)

LESSONS = (
    "Involving front-line staff in the design from the start mattered more than the technology.",
    "Cleaning the data before launch saved months of complaints afterwards.",
    "A named sponsor at director level kept the project going when costs rose.",
    "Piloting with one team for three months showed problems we would never have predicted.",
    "Reusing a system the council already owned saved a separate procurement.",
    "Publishing monthly figures kept partners committed.",
    "Agreeing with the unions how data would be used made staff willing to take part.",
    "Testing with residents who rarely use the internet changed the design for the better.",
    "Writing the information sharing agreement first avoided months of argument later.",
    "Training champions in each team spread the new way of working faster than formal courses.",
)

THINGS_TO_AVOID = (
    "Do not switch off the old route until the new one has run in parallel for several weeks.",
    "Avoid buying hardware before agreeing data standards with partners.",
    "Do not underestimate the time needed to clean old records.",
    "Avoid launching in winter, when teams are already under pressure.",
    "Do not measure success only by the number of transactions.",
    "Avoid a maintenance contract without response times written into it.",
    "Do not assume residents will find a new online service without promotion.",
    "Avoid customising the supplier's product so far that upgrades become impossible.",
)

CONTACT_TEAMS = ("Service improvement team", "Digital team", "Transformation team", "Business change team")
PARTNERS = ("the local NHS trust", "the police", "the fire and rescue service", "housing associations", "")
FUNDING_WEIGHTS = [
    (FundingSource.CORE_BUDGET, 40),
    (FundingSource.INVEST_TO_SAVE, 20),
    (FundingSource.GOVERNMENT_GRANT, 15),
    (FundingSource.PARTNERSHIP, 8),
    (FundingSource.REGENERATION, 5),
    (FundingSource.LOTTERY, 4),
    (FundingSource.EU, 3),
    (FundingSource.OTHER, 5),
]
COST_BANDS = ["under-10k", "10k-50k", "50k-250k", "250k-1m", "over-1m"]
EFFORTS = ["days", "weeks", "months", "year-plus"]


def _copy(cursor, table: str, columns: list[str], rows: list[list]) -> None:
    """COPY rows into a table as CSV (arrays written as PostgreSQL array literals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["\\N" if value is None else value for value in row])
    buffer.seek(0)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
        buffer,
    )


def _pg_array(items: list[str]) -> str:
    return "{" + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "}"


class _Writer:
    """Makes up one case study at a time from the vocabulary, deterministically from a seed."""

    def __init__(self, rng: random.Random, *, councils, silos, groups, frameworks_by_silo):
        self.rng = rng
        self.councils = councils
        self.silos = [s for s in silos if s.slug in SILO_WORDS] or silos
        self.groups = groups
        self.frameworks_by_silo = frameworks_by_silo
        # Silos are not equally busy: a few write most of the case studies.
        self.silo_weights = [1.0 / (rank + 1) ** 0.6 for rank in range(len(self.silos))]
        self.funding = [f for f, _ in FUNDING_WEIGHTS]
        self.funding_weights = [w for _, w in FUNDING_WEIGHTS]
        self.long_tail_weights = [1.0 / (rank + 1) ** 1.2 for rank in range(len(LONG_TAIL_TAGS))]
        self.capability_weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(CAPABILITIES))]

    def _fill(self, template: str, thing: str) -> str:
        r = self.rng
        return template.format(
            thing=thing,
            pct=r.randint(8, 74),
            num=r.randint(20, 900),
            small=r.randint(2, 9),
            money=r.randint(20, 900),
            money_small=f"{r.randint(4, 12)}.{r.randint(0, 9)}0",
        )

    def case_study(self, seq: int, now: datetime.datetime) -> dict:
        r = self.rng
        silo = r.choices(self.silos, self.silo_weights)[0]
        words = SILO_WORDS.get(silo.slug) or {"things": (silo.name.lower(),), "jargon": (), "tags": ()}
        capability = r.choices(CAPABILITIES, self.capability_weights)[0]
        thing = r.choice(words["things"])
        council = r.choice(self.councils)
        place = council.name.replace(" Council", "").replace("London Borough of ", "")
        title_forms = (
            f"{capability.title} for {thing}",
            f"{capability.title} for {thing} in {place}",
            f"{thing[0].upper()}{thing[1:]}: {capability.title.lower()}",
        )
        title = r.choice(title_forms)[:200]
        jargon = r.choice(words["jargon"]) if words["jargon"] else thing
        summary = " ".join(
            [
                self._fill(r.choice(capability.approaches), thing),
                f"The work was led by the {silo.name.lower()} team and focused on {r.choice(CITIZEN_PHRASES)}.",
            ]
        )
        problem = " ".join(
            self._fill(t, thing) for t in r.sample(capability.problems, k=min(2, len(capability.problems)))
        )
        problem += f" The {jargon} workload had grown every year."
        approach = "\n\n".join(
            [
                " ".join(
                    self._fill(t, thing) for t in r.sample(capability.approaches, k=min(2, len(capability.approaches)))
                ),
                f"We worked with {r.choice(PARTNERS) or 'colleagues across the council'} and kept {jargon} at the centre "
                f"of the design, testing each change with {r.choice(CITIZEN_PHRASES)}.",
            ]
        )
        outcomes = " ".join(self._fill(t, thing) for t in capability.outcomes)
        tags = set(r.sample(capability.tags, k=r.randint(1, 3)))
        if words["tags"]:
            tags.update(r.sample(words["tags"], k=r.randint(1, 2)))
        for _ in range(r.choices((0, 1, 2), (50, 35, 15))[0]):
            tags.add(r.choices(LONG_TAIL_TAGS, self.long_tail_weights)[0])
        start_year = r.randint(2000, 2025)
        published = now - datetime.timedelta(days=r.randint(0, 365 * 12), minutes=seq % 1440)
        end_year = r.choice((None, None, min(2026, start_year + r.randint(1, 6))))
        frameworks = self.frameworks_by_silo.get(silo.pk) or []
        return {
            "title": title,
            "slug": f"{BENCH_PREFIX}{seq}-{slugify(title)[:60].strip('-')}",
            "lead_council_id": council.pk,
            "partner_agencies": r.choice(PARTNERS),
            "primary_silo_id": silo.pk,
            "summary": summary,
            "problem": problem,
            "approach": approach,
            "outcomes": outcomes,
            "cost_band": r.choice(COST_BANDS),
            "funding_source": r.choices(self.funding, self.funding_weights)[0],
            "start_year": start_year,
            "end_year": end_year,
            "lessons": r.sample(LESSONS, k=r.randint(1, 3)),
            "things_to_avoid": r.sample(THINGS_TO_AVOID, k=r.randint(1, 2)),
            "contact_name": r.choice(CONTACT_TEAMS),
            "hosts_visits": r.random() < 0.3,
            "published_at": published,
            "tags": sorted(tags),
            "citizen_group_ids": [g.pk for g in r.sample(self.groups, k=min(len(self.groups), r.randint(0, 2)))],
            "other_silo_ids": [s.pk for s in r.sample(self.silos, k=r.choice((0, 0, 1)))] if self.silos else [],
            "framework_id": r.choice(frameworks).pk if frameworks and r.random() < 0.3 else None,
            "adoption": r.random() < 0.05,
        }


def _ensure_base_content() -> None:
    if not ServiceSilo.objects.exists():
        from practices.services.demo import demo_seed

        demo_seed()
    existing = set(Council.objects.values_list("name", flat=True))
    new = []
    for line in EXTRA_COUNCILS.strip().splitlines():
        name, kind, region = line.split("|")
        if name in existing:
            continue
        slug = BENCH_PREFIX + slugify(name)
        new.append(
            Council(
                name=name,
                slug=slug,
                kind=kind,
                region=region,
                nation=_NATIONS.get(region, "england"),
                website=f"https://www.{slugify(name)}.example/",
            )
        )
    Council.objects.bulk_create(new, ignore_conflicts=True)


def _ensure_frameworks(count: int, rng: random.Random) -> dict[int, list[Framework]]:
    """Bench frameworks (one per capability and silo pair, up to count), plus the existing published ones."""
    silos = list(ServiceSilo.objects.filter(slug__in=SILO_WORDS))
    have = {f.slug for f in Framework.objects.filter(slug__startswith=BENCH_PREFIX)}
    pairs = [(c, s) for c in CAPABILITIES for s in silos]
    rng.shuffle(pairs)
    for capability, silo in pairs[:count]:
        slug = f"{BENCH_PREFIX}{slugify(capability.title)}-{silo.slug}"
        if slug in have:
            continue
        things = SILO_WORDS[silo.slug]["things"]
        framework = Framework.objects.create(
            title=f"{capability.title} in {silo.name.lower()}",
            slug=slug,
            summary=f"{capability.approaches[0].format(thing=things[0])} The generic practice, as {silo.name.lower()} "
            f"teams apply it to {', '.join(things[:3])}.",
            reusable_core="\n".join(
                f"{i}. {a.format(thing=things[0])}" for i, a in enumerate(capability.approaches, 1)
            ),
            what_varies=f"- Which {things[1]} come first\n- Who is told and how",
            pitfalls="\n".join(f"- {t}" for t in THINGS_TO_AVOID[:3]),
            status=Framework.Status.PUBLISHED,
        )
        framework.silos.add(silo)
        framework.tags.add(*capability.tags[:3])
    by_silo: dict[int, list[Framework]] = {}
    for framework in Framework.objects.filter(status=Framework.Status.PUBLISHED).prefetch_related("silos"):
        for silo in framework.silos.all():
            by_silo.setdefault(silo.pk, []).append(framework)
    return by_silo


def _tag_ids(names: set[str]) -> dict[str, int]:
    existing = {t.name: t.pk for t in Tag.objects.filter(name__in=names)}
    taken_slugs = set(Tag.objects.values_list("slug", flat=True))
    missing = []
    for name in sorted(names - set(existing)):
        slug = slugify(name) or "tag"
        while slug in taken_slugs:
            slug += "-1"
        taken_slugs.add(slug)
        missing.append(Tag(name=name, slug=slug))
    Tag.objects.bulk_create(missing)
    return {t.name: t.pk for t in Tag.objects.filter(name__in=names)}


def _next_sequence() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(substring(slug FROM '^bench-([0-9]+)-')::bigint), 0) FROM practices_casestudy"
            " WHERE slug LIKE 'bench-%%'"
        )
        return cursor.fetchone()[0] + 1


@dataclass
class BenchDataResult:
    case_studies: int
    frameworks: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.case_studies} case studies and {self.frameworks} frameworks in {self.seconds:.1f} s"


def bench_data_generate(
    *, case_studies: int, seed: int = 1, progress: Callable[[str], None] | None = None
) -> BenchDataResult:
    """Add case_studies published benchmark case studies (and a few frameworks) to the database."""
    if case_studies < 0:
        raise BenchDataError("The number of case studies cannot be negative.")
    started = time.perf_counter()
    say = progress or (lambda message: None)
    rng = random.Random(seed * 1_000_003 + _next_sequence())
    _ensure_base_content()
    frameworks_before = Framework.objects.filter(slug__startswith=BENCH_PREFIX).count()
    frameworks_by_silo = _ensure_frameworks(max(10, min(200, case_studies // 1000)), rng)
    writer = _Writer(
        rng,
        councils=list(Council.objects.all()),
        silos=list(ServiceSilo.objects.all()),
        groups=list(CitizenGroup.objects.all()),
        frameworks_by_silo=frameworks_by_silo,
    )
    tag_ids = _tag_ids(
        {t for c in CAPABILITIES for t in c.tags}
        | {t for w in SILO_WORDS.values() for t in w["tags"]}
        | set(LONG_TAIL_TAGS)
    )
    content_type = ContentType.objects.get_for_model(CaseStudy).pk
    now = timezone.now()
    sequence = _next_sequence()
    made = 0
    while made < case_studies:
        size = min(COPY_BATCH, case_studies - made)
        items = [writer.case_study(sequence + made + i, now) for i in range(size)]
        with transaction.atomic(), connection.cursor() as cursor:
            _copy_case_studies(cursor, items, now)
            cursor.execute(
                "SELECT slug, id FROM practices_casestudy WHERE slug = ANY(%s)", [[item["slug"] for item in items]]
            )
            ids = dict(cursor.fetchall())
            _copy_relations(cursor, items, ids, tag_ids, content_type, writer, now)
            search_index_update(case_study_ids=ids.values())
        made += size
        say(f"{made} of {case_studies} case studies ({time.perf_counter() - started:.0f} s)")
    if case_studies:
        new_frameworks = Framework.objects.filter(slug__startswith=BENCH_PREFIX).values_list("pk", flat=True)
        search_index_update(framework_ids=new_frameworks)
        with connection.cursor() as cursor:
            for table in ("practices_casestudy", "practices_searchdocument", "taggit_taggeditem"):
                cursor.execute(f"ANALYZE {table}")
        discovery_stats_refresh()
    frameworks_made = Framework.objects.filter(slug__startswith=BENCH_PREFIX).count() - frameworks_before
    return BenchDataResult(case_studies, frameworks_made, time.perf_counter() - started)


def _copy_case_studies(cursor, items: list[dict], now: datetime.datetime) -> None:
    review_by = (now + datetime.timedelta(days=365)).date().isoformat()
    columns = [
        "title",
        "slug",
        "lead_council_id",
        "partner_agencies",
        "primary_silo_id",
        "summary",
        "problem",
        "approach",
        "outcomes",
        "cost_band",
        "funding_source",
        "start_year",
        "end_year",
        "lessons",
        "things_to_avoid",
        "contact_name",
        "contact_email",
        "hosts_visits",
        "status",
        "review_by",
        "published_at",
        "created_at",
        "updated_at",
        "version",
    ]
    rows = [
        [
            item["title"],
            item["slug"],
            item["lead_council_id"],
            item["partner_agencies"],
            item["primary_silo_id"],
            item["summary"],
            item["problem"],
            item["approach"],
            item["outcomes"],
            item["cost_band"],
            item["funding_source"],
            item["start_year"],
            item["end_year"],
            _pg_array(item["lessons"]),
            _pg_array(item["things_to_avoid"]),
            item["contact_name"],
            "",
            "t" if item["hosts_visits"] else "f",
            CaseStudy.Status.PUBLISHED,
            review_by,
            item["published_at"].isoformat(),
            item["published_at"].isoformat(),
            now.isoformat(),
            1,
        ]
        for item in items
    ]
    _copy(cursor, "practices_casestudy", columns, rows)


def _copy_relations(cursor, items, ids, tag_ids, content_type, writer: _Writer, now) -> None:
    r = writer.rng
    tagged, groups, other_silos, links, adoptions = [], [], [], [], []
    for item in items:
        pk = ids[item["slug"]]
        tagged.extend([tag_ids[name], pk, content_type] for name in item["tags"])
        groups.extend([pk, group] for group in item["citizen_group_ids"])
        other_silos.extend([pk, silo] for silo in item["other_silo_ids"] if silo != item["primary_silo_id"])
        if item["framework_id"]:
            group = r.choice(item["citizen_group_ids"]) if item["citizen_group_ids"] else None
            links.append(
                [
                    pk,
                    item["framework_id"],
                    "Adapted the generic steps to local systems.",
                    group,
                    r.choice(EFFORTS),
                    now.isoformat(),
                ]
            )
        if item["adoption"]:
            council = r.choice(writer.councils)
            if council.pk != item["lead_council_id"]:
                adoptions.append(
                    [
                        council.pk,
                        pk,
                        item["primary_silo_id"],
                        "live",
                        "Reused with local changes.",
                        "",
                        "",
                        now.isoformat(),
                        now.isoformat(),
                    ]
                )
    _copy(cursor, "taggit_taggeditem", ["tag_id", "object_id", "content_type_id"], tagged)
    _copy(cursor, "practices_casestudy_citizen_groups", ["casestudy_id", "citizengroup_id"], groups)
    _copy(cursor, "practices_casestudy_other_silos", ["casestudy_id", "servicesilo_id"], other_silos)
    _copy(
        cursor,
        "practices_frameworklink",
        ["case_study_id", "framework_id", "customisation", "citizen_group_id", "effort", "created_at"],
        links,
    )
    _copy(
        cursor,
        "practices_adoption",
        [
            "council_id",
            "case_study_id",
            "silo_id",
            "status",
            "what_changed",
            "effort",
            "outcome",
            "created_at",
            "updated_at",
        ],
        adoptions,
    )


def _delete_referencing(cursor, model, ids: list[int]) -> None:
    """Clear what points at these rows as the foreign keys say: SET_NULL empties, anything else deletes.

    Done in SQL rather than through the ORM, whose cascade would write a history
    row for each of possibly 100,000 deletions.
    """
    for other in apps.get_models(include_auto_created=True):
        for fk in other._meta.concrete_fields:
            if not fk.is_relation or fk.related_model is not model or other is model:
                continue
            table, column = other._meta.db_table, fk.column
            if fk.remote_field.on_delete is models.SET_NULL:
                cursor.execute(f'UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" = ANY(%s)', [ids])
            else:
                cursor.execute(f'DELETE FROM "{table}" WHERE "{column}" = ANY(%s)', [ids])


@transaction.atomic
def bench_data_clear() -> int:
    """Remove every benchmark row (slugs starting 'bench-'); returns how many case studies went."""
    case_study_ct = ContentType.objects.get_for_model(CaseStudy).pk
    framework_ct = ContentType.objects.get_for_model(Framework).pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM practices_casestudy WHERE slug LIKE 'bench-%%'")
        case_study_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM practices_framework WHERE slug LIKE 'bench-%%'")
        framework_ids = [row[0] for row in cursor.fetchall()]
        for ct, ids in ((case_study_ct, case_study_ids), (framework_ct, framework_ids)):
            cursor.execute(
                "DELETE FROM taggit_taggeditem WHERE content_type_id = %s AND object_id = ANY(%s)", [ct, ids]
            )
        # Frameworks first: bench links and adoptions point at both.
        for model, ids in ((Framework, framework_ids), (CaseStudy, case_study_ids)):
            _delete_referencing(cursor, model, ids)
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = ANY(%s)", [ids])
    Council.objects.filter(slug__startswith=BENCH_PREFIX, case_studies__isnull=True).exclude(
        members__isnull=False
    ).delete()
    bench_tags = {t for c in CAPABILITIES for t in c.tags} | {t for w in SILO_WORDS.values() for t in w["tags"]}
    Tag.objects.filter(name__in=bench_tags | set(LONG_TAIL_TAGS), taggit_taggeditem_items__isnull=True).filter(
        followers__isnull=True
    ).delete()
    # The vocabulary cannot tell bench words from others: rebuild it from what remains.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM practices_searchterm")
    search_index_rebuild()
    discovery_stats_refresh()
    return len(case_study_ids)
