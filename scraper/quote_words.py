"""The verbs a quote's head names its author with ("X wrote:"), in the languages forums speak:
one table for every parser that reads a quote head (phpBB's <cite>, the generic extractor's
attribution lines, forum-dl's posts, mail).

Each is a regex fragment. WROTE's verbs attribute with or without their colon, and
WROTE_WITH_COLON's only with it, where a line of running text is asked (without, "X disse" or
"X sagte" ends a sentence); in an element that is a quote's head (phpBB's <cite>) both
attribute as they are.
"""

from __future__ import annotations

WROTE = (r"wrote|said|schrieb|a écrit|kirjoitti|escribió|scrive|ha scritto|schreef|napisał|"
         r"írta|skrev")
WROTE_WITH_COLON = (r"escreveu|yazdı|napsal(?:a|\(a\))?|napisała|napisał\(a\)|"
                    r"(?:на)?писала?(?:\(а\))?|пишет|сказала?(?:\(а\))?|dijo|a dit|sagte|zei|"
                    r"ha detto|disse|sanoi")
# Mail clients' own ("On Mon, X writes:", Spanish and Italian Outlook): a mail's head only.
WROTE_IN_MAIL = r"writes|ha escrito|scrisse"
WROTE_ANY = f"{WROTE}|{WROTE_WITH_COLON}"
