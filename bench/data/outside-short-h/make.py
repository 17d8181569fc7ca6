#!/usr/bin/env python3
"""Deterministic generator for near_dups_short8.jsonl.

Independent test set for a near-duplicate detector of short customer-support
messages.  Built from BANKING77 (PolyAI, CC BY 4.0) train.csv.

Usage:  python3 make.py [--input TRAIN_CSV] [--outdir DIR]
Writes DIR/near_dups_short8.jsonl and DIR/stats.json (DIR defaults to the
folder holding this script).  Python 3 standard library only; the output does
not depend on PYTHONHASHSEED (no iteration over unsorted string sets).
"""
import argparse
import collections
import csv
import heapq
import json
import os
import random
import re
import sys

SEED = 8_2025_0611
N_ORIG, N_EXACT, N_NEAR, N_NEG = 2000, 150, 500, 300
PHRASE_CAP = 3          # an added sentence / wrapper phrasing is used at most this often
CLOSE_MAX_GAP = 40      # "close" planted rows sit 1..40 rows after their source
OUT_NAME = "near_dups_short8.jsonl"
DEFAULT_INPUT = "/work/shared/data/banking77/train.csv"

# --------------------------------------------------------------------------
# text normalisation helpers (shared with verify.py through import)
# --------------------------------------------------------------------------
APOS_RE = re.compile(r"[’‘`']")
WORD_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
FINAL_PUNCT = ".?!,;: \t\n"


def norm_words(s):
    """lower-case, apostrophes removed, everything but [a-z0-9] is a separator"""
    return re.findall(r"[a-z0-9]+", APOS_RE.sub("", s.lower()))


def norm_str(s):
    return " ".join(norm_words(s))


def wset(s):
    return frozenset(norm_words(s))


def char4(s):
    t = norm_str(s)
    if len(t) < 4:
        return frozenset([t])
    return frozenset(t[i:i + 4] for i in range(len(t) - 3))


def jacc(a, b):
    i = len(a & b)
    u = len(a) + len(b) - i
    return i / u if u else 1.0


def exact_norm(s):
    """equality under this == 'differs only in case, whitespace, final
    punctuation or apostrophes'"""
    s = APOS_RE.sub("", s.lower())
    s = " ".join(s.split())
    return s.rstrip(FINAL_PUNCT)


STOP = set("""
a an the i me my mine myself we us our ours you your yours he him his she her hers it its they them
their theirs this that these those am is are was were be been being have has had having do does did
doing done will would shall should can could may might must to of in on at by for with from into onto
about over under up down out off again then than so very too just also only still even yet already and
or but if because as while until when where why how what which who whom whose there here not no nor
don doesn didn isn wasn aren weren haven hasn hadn won wouldn couldn shouldn cannot cant dont doesnt
didnt isnt wasnt s t ll ve re d m im ive id please hi hello hey thanks thank any some all each every
more most other such own same few both get got getting gets make made making let lets ok okay
""".split())


def content_words(s):
    out = []
    for w in norm_words(s):
        if w not in STOP and w not in out:
            out.append(w)
    return out


# --------------------------------------------------------------------------
# Lexicons of meaning-bearing material.  Near edits never touch these words;
# negative edits change exactly one occurrence.
# --------------------------------------------------------------------------
NEG_TOKENS = set("""not no never nothing none nobody nor neither cannot without dont doesnt didnt isnt
wasnt arent werent havent hasnt hadnt cant couldnt wouldnt shouldnt wont mustnt aint neednt""".split())
NUM_WORDS = set("""zero one two three four five six seven eight nine ten eleven twelve fifteen twenty
thirty forty fifty hundred thousand million once twice double triple first second third half""".split())
QWORDS = set("what why how when where which who whom whose".split())
OWNER = set("my mine your yours his her hers their theirs our ours".split())
TIME_MAP = {
    "day": "week", "days": "weeks", "week": "month", "weeks": "months", "month": "year",
    "months": "weeks", "year": "month", "years": "months", "hour": "day", "hours": "days",
    "minute": "hour", "minutes": "hours", "yesterday": "last week", "today": "yesterday",
    "tomorrow": "next week", "tonight": "tomorrow", "weekend": "week",
    "monday": "Thursday", "tuesday": "Friday", "wednesday": "Saturday", "thursday": "Sunday",
    "friday": "Monday", "saturday": "Tuesday", "sunday": "Wednesday",
}
CURRENCY_MAP = {
    "usd": "EUR", "eur": "GBP", "gbp": "USD", "aud": "CAD", "cad": "AUD", "chf": "SEK", "jpy": "CNY",
    "dollar": "euro", "dollars": "euros", "euro": "pound", "euros": "pounds", "pound": "dollar",
    "pounds": "dollars", "yen": "yuan", "yuan": "yen", "rupee": "peso", "rupees": "pesos",
    "peso": "rupee", "pesos": "rupees", "franc": "krona", "francs": "kronor", "sterling": "dollars",
}
CURRENCY_SYM = {"$": "£", "£": "€", "€": "$", "¥": "$"}
COUNTRY_MAP = {
    "uk": "US", "us": "UK", "usa": "UK", "eu": "UK", "america": "Australia",
    "england": "Scotland", "scotland": "Wales", "wales": "Ireland", "britain": "France",
    "spain": "Portugal", "portugal": "Spain", "france": "Belgium", "germany": "Austria",
    "austria": "Germany", "italy": "Greece", "greece": "Italy", "china": "Japan", "japan": "Korea",
    "korea": "Japan", "india": "Thailand", "thailand": "Vietnam", "canada": "Mexico",
    "netherlands": None,
    "mexico": "Brazil", "brazil": "Argentina", "australia": "New Zealand", "europe": "Asia",
    "asia": "Europe", "ireland": "Scotland", "netherlands": "Denmark", "switzerland": "Norway",
    "poland": "Hungary", "sweden": "Finland", "russia": "Ukraine", "egypt": "Morocco",
    "european": "Asian", "british": "Irish", "american": "Canadian", "chinese": "Japanese",
    "indian": "Thai", "spanish": "Italian", "french": "German", "german": "Dutch",
    "africa": "South America", "turkey": "Cyprus", "dubai": "Qatar", "singapore": "Malaysia",
}
COUNTRY_ADJ = {"america": "Australian"}
ATTR_NOUNS = set("""pound pounds dollar dollars customer customers card cards account accounts bank banks
address number phone citizen citizens resident residents based only currency money store stores
merchant merchants transfer transfers branch company website site sim""".split())
NATIONAL_PREFIX = set("""australian canadian hong kong zealand singapore russian swiss japanese mexican
new american us uk british chinese indian european euro""".split())
UPPER_ONLY = {"us", "eu", "uk", "usa"}     # match these only when written in capitals
ACRONYMS = {"pin", "atm", "uk", "us", "eu", "usa", "usd", "eur", "gbp", "aud", "cad", "chf",
            "jpy", "cny", "sek", "id", "atms"}
ANTONYM_MAP = {
    "deposits": "withdrawals", "deposited": "withdrew", "depositing": "withdrawing",
    "withdraw": "deposit", "withdrew": "deposited", "withdrawn": "deposited",
    "withdrawing": "depositing", "withdrawal": "deposit", "withdrawals": "deposits",
    "send": "receive", "sends": "receives", "sent": "received", "sending": "receiving",
    "receive": "send", "receives": "sends", "received": "sent", "receiving": "sending",
    "sender": "recipient", "recipient": "sender", "incoming": "outgoing", "outgoing": "incoming",
    "activate": "deactivate", "activated": "deactivated", "activating": "deactivating",
    "activation": "deactivation", "deactivate": "activate", "deactivated": "activated",
    "freeze": "unfreeze", "frozen": "unfrozen", "froze": "unfroze", "unfreeze": "freeze",
    "block": "unblock", "blocked": "unblocked", "unblock": "block", "unblocked": "blocked",
    "lock": "unlock", "locked": "unlocked", "unlock": "lock", "unlocked": "locked",
    "increase": "decrease", "increased": "decreased", "decrease": "increase",
    "decreased": "increased", "raise": "lower",
    "add": "remove", "added": "removed", "adding": "removing", "remove": "add", "removed": "added",
    "declined": "approved", "approved": "declined", "rejected": "accepted", "accepted": "rejected",
    "higher": "lower", "lower": "higher", "highest": "lowest", "lowest": "highest",
    "buy": "sell", "bought": "sold", "buying": "selling", "sell": "buy", "sold": "bought",
    "open": "close", "opened": "closed", "opening": "closing", "closed": "opened",
    "lost": "found", "charged": "refunded", "refunded": "charged",
    "upgrade": "downgrade", "downgrade": "upgrade", "enable": "disable", "enabled": "disabled",
    "disable": "enable", "disabled": "enabled", "link": "unlink", "linked": "unlinked",
    "unlink": "link", "domestic": "international",
    "international": "domestic", "pending": "completed", "first": "last", "earlier": "later",
    "later": "earlier", "maximum": "minimum", "minimum": "maximum", "automatic": "manual",
    "automatically": "manually", "manual": "automatic", "manually": "automatically",
    "failed": "succeeded", "deposit": "withdrawal",
}
SIBLING_MAP = {
    "debit": "credit", "credit": "debit", "visa": "Mastercard", "mastercard": "Visa",
    "physical": "virtual", "virtual": "physical", "apple": "Google", "google": "Apple",
    "app": "website", "website": "app", "pin": "password", "password": "PIN",
    "passport": "driving licence", "cheque": "money order", "cheques": "money orders",
    "iphone": "Android phone", "android": "iPhone", "savings": "current", "business": "personal",
    "paypal": "Venmo", "amazon": "eBay", "ebay": "Amazon", "contactless": "chip and PIN",
    "disposable": "standard", "salary": "pension", "landlord": "employer",
}
PRODUCT = set("visa mastercard apple google paypal amex iphone android venmo ebay amazon".split())
OWNED_NOUNS = set("""card cards account accounts money transfer transfers payment payments pin balance
phone details refund funds salary statement wallet passcode transaction transactions top topup
purchase address identity cash""".split())
RELATIVES = ["wife", "husband", "son", "daughter", "mum", "dad", "partner", "brother", "sister",
             "friend", "flatmate", "grandma", "grandad", "colleague", "uncle", "aunt", "boss",
             "nephew", "niece", "cousin"]

HARD = set()
for _m in (TIME_MAP, CURRENCY_MAP, COUNTRY_MAP, ANTONYM_MAP, SIBLING_MAP):
    HARD |= set(_m)
HARD |= NEG_TOKENS | NUM_WORDS | QWORDS | OWNER | PRODUCT | {"pay", "withdrawal", "deposit"}
HARD |= {r + "s" for r in RELATIVES}      # possessives after apostrophe removal: "wife's" -> "wifes"
HARD -= {"us"}   # 'us' the pronoun is common; 'US' (capitals) is protected separately


def is_hard_word(word):
    w = APOS_RE.sub("", word.lower())
    if word in ("US", "U.S."):
        return True
    return w in HARD or any(ch.isdigit() for ch in w)


def signature(text):
    """multiset of meaning-bearing material; near rows must keep it unchanged"""
    sig = []
    low = APOS_RE.sub("", text.lower())
    toks = re.findall(r"[a-z0-9]+", low)
    neg = sum(1 for t in toks if t in NEG_TOKENS)
    sig.append("NEG=%d" % neg)
    for m in re.finditer(r"\d+(?:[.,]\d+)*", text):
        sig.append("NUM:" + m.group(0).replace(",", ""))
    for ch in text:
        if ch in CURRENCY_SYM:
            sig.append("SYM:" + ch)
    for m in re.finditer(r"\bUS\b", text):
        sig.append("W:us")
    for t in toks:
        if t in HARD and t not in NEG_TOKENS:
            sig.append("W:" + t)
    return sorted(sig)


def match_case(src, rep):
    if len(src) > 1 and src.isupper() and src.lower() not in ACRONYMS:
        return rep.upper()
    if len(src) > 1 and src.isupper():      # an acronym (PIN, UK): keep the replacement's own case
        return rep
    if src[:1].isupper():
        return rep[:1].upper() + rep[1:]
    return rep


def tidy(s):
    s = re.sub(r"[ \t]{2,}", " ", s)
    s = re.sub(r" +([,.?!;:])", r"\1", s)
    return s.strip(" ")


# --------------------------------------------------------------------------
# Wording lists written for this set (wrappers used at most PHRASE_CAP times)
# --------------------------------------------------------------------------
GREETINGS = [
    "Hi,", "Hi there,", "Hello,", "Hello there!", "Hey,", "Hey there -", "hey guys,", "Hiya,",
    "Good morning,", "Good afternoon,", "Good evening,", "Morning!", "Afternoon all,", "Hi team,",
    "Hello team,", "Hi support,", "Hello support team,", "Hey folks,", "Hi all,", "Greetings,",
    "Hello again,", "Hi again,", "hey hey,", "Yo,", "Hi folks!", "Hey support,", "Good morning team.",
    "Hello, hope you're well.", "Hi, hope you are doing well.", "Howdy,", "Hey, hope all is good.",
    "hi hi", "Hallo,", "Hello hello,", "Evening,", "Hi, good morning.", "Hello, good afternoon.",
    "Hey there,", "Hi guys,", "Hello everyone,",
    "hey, quick hello,", "Hi lovely people,", "Hello folks,",
]
SIGNOFFS = [
    "Thanks.", "Thanks!", "Thank you.", "Thank you!", "thx", "ty", "Cheers.", "Cheers!", "Many thanks.",
    "Thanks in advance.", "Thanks so much.", "Thank you kindly.", "Much appreciated.", "Appreciate it.",
    "Appreciate the help!", "Appreciate any help.", "Grateful for any help.", "Thanks a lot.",
    "Thanks a bunch!", "Thanks heaps.", "Ta.", "Cheers, appreciate it.", "Thanks for the help.",
    "Thanks for taking the time.", "Thanks for getting back to me.", "Looking forward to a reply.",
    "Hope to hear back soon.", "Thanks again.", "Best regards.", "Kind regards.", "Regards.",
    "Many thanks in advance!", "Thx in advance", "tia", "Thank u", "Cheers mate.", "Appreciated!",
    "Thank you very much.", "Thank you so much!", "Thanks, you're a star.", "Ta very much.",
    "Thanks loads.", "Big thanks.", "Thanks, speak soon.",
]
RESEND_PRE = [
    "Asking again:", "Here it is again -", "Me again.", "Resending:", "Trying again:",
    "Following up:", "Follow-up:", "Just following up:", "Repeating the question:",
    "Posting this again:", "Sorry for the repeat message -", "Bumping this:", "Chasing this up:",
    "Sorry if this shows up again:", "Re:", "RE:", "Fwd:", "FW:", "Again:", "Ping -",
    "Asked this a while ago:", "Reposting:", "Same question again:", "I asked already, but:",
    "Apologies for repeating myself:", "Forgive the repeat message:", "Copying the old message:",
    "From the other phone:", "Writing from the laptop this time:", "Typing this again:",
    "Message got cut off, so again:", "Retyping this:", "Trying this chat again:",
]
RESEND_POST = [
    "(asked this already)", "(asking again)", "- asking again", "(resending)", "(follow up)",
    "-- resent from phone", "(reposting, sorry)", "(as asked previously)", "[resent]",
    "(sorry for repeating)", "- same as the email", "(chasing this up)",
    "(also asked on the web form)", "(asked this in chat already)",
]
URGENCY_PRE = [
    "URGENT:", "Urgent -", "Please help quickly:", "ASAP please:", "Really need help here:",
    "Help!!", "Help please!", "Please, this is urgent:", "Need an answer fast:", "Quick help needed:",
]
URGENCY_POST = [
    "Please answer ASAP.", "This is urgent.", "Urgent please.", "Need help quickly please.",
    "Please hurry.", "Really need an answer on this.", "Can someone get back to me quickly?",
    "Anyone there?", "Hello?? anyone?", "Waiting for a reply.", "Still waiting for someone to reply.",
    "This is getting ridiculous.", "Getting really frustrated here.", "Very annoyed right now.",
    "Please sort this out.", "Come on, please help.", "I need this sorted quickly.", "Seriously, help.",
    "Fed up with this.", "Please respond.", "Respond please!!", "Need a reply fast.",
    "Time-sensitive, please.", "Please prioritise this.", "Really stressed about this.",
    "This is so frustrating.", "Please just help.", "A quick reply would be great.", "asap pls",
    "ASAP!!", "pls respond", "Been waiting ages.", "Losing patience here.", "I'm in a rush.",
    "In a hurry, sorry.",
]
ASIDES = [
    "I checked the FAQ already.", "Sorry if this is obvious.", "Sorry if this is a silly question.",
    "Hope this is the right place to ask.", "I looked around the help pages already.",
    "Sorry for the bother.", "Sorry to trouble you.", "Apologies for the hassle.",
    "Hope that makes sense.", "Let me know if you need more info.", "Happy to provide more details.",
    "I searched the help section already.", "Sorry, typing in a rush.", "Excuse the typos.",
    "Sorry about the typos.", "Sorry for bad English.", "Excuse the English.",
    "Sorry if I already asked this.", "Apologies if this was answered already.", "Bit confused here.",
    "Slightly confused.", "Kind of confused about this.", "Bit of a newbie here.",
    "New customer here.", "Long-time customer here.", "Hope someone can help.", "Hoping you can help.",
    "Please advise.", "Any advice welcome.", "Help appreciated.", "I read the help article already.",
    "I did look online beforehand.", "Sorry, typing on the bus.", "Forgive the short message.",
    "Apologies, in a bit of a panic.", "Hope you can point me in the right direction.",
    "I tried the chatbot already.", "Thought I'd ask here.",
]
LEAD_INS = [
    "Quick question:", "Question:", "Hoping you can help -", "Can someone help me?", "I have a question.",
    "Got a question -", "A question for you:", "Help needed:", "Query:", "Small question -",
    "Can you help?", "Could you help me out?", "Wondering about something:", "Hi, quick thing:",
    "Just wondering:", "Need some help:", "I need a hand:", "Help me out here:", "Quick thing:",
    "Question about this:", "Trying to figure something out:", "Can I ask something?", "Need info:",
    "Looking for help:", "Issue:", "Problem:", "Support request:", "Quick query -", "So, um,",
    "Right, so", "Okay so", "Need assistance:",
]
EMAIL_OPEN = [
    "Dear Sir or Madam,", "Dear Support Team,", "Dear team,", "Dear Sirs,",
    "Hello Customer Service,", "Dear customer care,", "Dear helpdesk,", "Dear all,",
    "Hello support,", "Dear Customer Support,", "Good afternoon,", "Dear Service Team,", "Dear bank,",
    "Hi there, support,", "Dear support staff,", "Dear client services,",
]
EMAIL_CLOSE = [
    "Kind regards,\nJ. Patel", "Best wishes,\nAnna", "Regards,\nM.", "With thanks,\nD. Okafor",
    "Many thanks,\nLeo", "Best,\nSam", "Sincerely,\nR. Costa", "Thanks,\nKim", "Warm regards,\nPriya",
    "Kind regards, Tom", "Best regards, Ines", "Regards, A. Nowak", "Cheers, Ben",
    "Warmest regards,\nH. Lindqvist", "Thank you,\nF. Haddad", "All the best,\nChloe",
]
EMOTICONS = [":(", ":-(", ":/", ":-/", ":'(", "😕", "🙁", "😞", "😩", "😤", "🙏", "🤔", "😬",
             "😢", ">:(", "-_-", "🤷", "😣", "🥺", ":|", "🙄", "😫"]
FILLERS_START = ["So", "Ok so", "Um,", "Well,", "Basically", "Right,", "Hmm,", "Erm,", "Okay,",
                 "Uh,", "Ah,", "Soo", "Alright,", "Yeah so", "Ok,"]
FILLERS_MID = ["just", "actually", "really", "literally", "basically", "honestly", "kind of",
               "sort of", "definitely"]
FILLER_BEFORE = set("""want wanted need needed tried try made got noticed saw found changed ordered
moved opened think thought see used use tried trying checked wonder wondering paid topped put wanna
applied asked spent""".split())

SHORTHAND = {
    "you": ["u"], "are": ["r"], "please": ["pls", "plz"], "thanks": ["thx"], "because": ["bc", "cos"],
    "with": ["w/"], "about": ["abt"], "account": ["acct", "acc"], "accounts": ["accts"],
    "information": ["info"], "message": ["msg"], "people": ["ppl"], "though": ["tho"],
    "through": ["thru"], "okay": ["ok"], "really": ["rly"], "something": ["smth", "sth"],
    "and": ["&", "n"], "transaction": ["txn", "transac"], "transactions": ["txns"],
    "address": ["addr"], "amount": ["amt"], "probably": ["prob"], "government": ["govt"],
    "want to": ["wanna"], "going to": ["gonna"], "got to": ["gotta"], "minutes": ["mins"],
    "seconds": ["secs"], "someone": ["some1"], "anyone": ["any1"], "thank you": ["ty"],
    "your": ["ur"], "why": ["y"], "what": ["wat"], "details": ["deets"],
    "verification": ["verif"], "statement": ["stmt"], "immediately": ["asap"],
}
# shorthand that would disguise protected words or numbers is not allowed
for _k in ["your", "why", "what", "someone", "anyone", "minutes", "seconds"]:
    SHORTHAND.pop(_k)

SYNONYMS = [
    ("want to", "would like to"), ("would like to", "want to"), ("need to", "have to"),
    ("have to", "need to"), ("help me", "assist me"), ("problem", "issue"), ("issue", "problem"),
    ("problems", "issues"), ("issues", "problems"), ("quickly", "fast"), ("currently", "right now"),
    ("right now", "at the moment"), ("find out", "figure out"), ("figure out", "find out"),
    ("tell me", "let me know"), ("let me know", "tell me"), ("is it possible to", "is there a way to"),
    ("is there a way to", "is it possible to"), ("the wrong", "the incorrect"),
    ("an incorrect", "a wrong"), ("is wrong", "is incorrect"), ("was wrong", "was incorrect"),
    ("is incorrect", "is wrong"), ("was incorrect", "was wrong"), ("the incorrect", "the wrong"),
    ("fix", "sort out"),
    ("immediately", "right away"), ("someone", "somebody"), ("somebody", "someone"),
    ("anyone", "anybody"), ("anybody", "anyone"), ("noticed", "spotted"), ("strange", "weird"),
    ("weird", "strange"), ("odd", "strange"), ("seems like", "looks like"), ("seems to", "appears to"), ("appears to", "seems to"),
    ("explain", "clarify"), ("attempted", "tried"), ("tried", "attempted"), ("trying", "attempting"),
    ("information", "details"), ("mobile phone", "cell phone"), ("nearly", "almost"),
    ("almost", "nearly"), ("large", "big"), ("big", "large"), ("require", "need"),
    ("ensure", "make sure"), ("make sure", "ensure"), ("speak to", "talk to"), ("talk to", "speak to"),
    ("obtain", "get"), ("acquire", "get"),
    ("assistance", "help"), ("unsure", "not sure"), ("why", "why"),
]
SYNONYMS = [(a, b) for a, b in SYNONYMS if a != b and a != "unsure"]

CONTRACTIONS = [
    ("I am", "I'm"), ("I will", "I'll"), ("it is", "it's"), ("that is", "that's"),
    ("there is", "there's"), ("you are", "you're"), ("do not", "don't"),
    ("does not", "doesn't"), ("did not", "didn't"), ("is not", "isn't"), ("are not", "aren't"),
    ("was not", "wasn't"), ("were not", "weren't"), ("have not", "haven't"), ("has not", "hasn't"),
    ("cannot", "can't"), ("will not", "won't"), ("would not", "wouldn't"),
    ("could not", "couldn't"), ("should not", "shouldn't"), ("I have been", "I've been"),
    ("I would like", "I'd like"), ("let us", "let's"), ("they are", "they're"), ("we are", "we're"),
]
SPELLING = [
    ("cancelled", "canceled"), ("canceled", "cancelled"), ("cancelling", "canceling"),
    ("canceling", "cancelling"), ("authorise", "authorize"), ("authorize", "authorise"),
    ("authorised", "authorized"), ("authorized", "authorised"), ("recognise", "recognize"),
    ("recognize", "recognise"), ("recognised", "recognized"), ("recognized", "recognised"),
    ("realise", "realize"), ("realize", "realise"), ("apologise", "apologize"),
    ("travelling", "traveling"), ("traveling", "travelling"), ("licence", "license"),
    ("centre", "center"), ("favour", "favor"), ("colour", "color"), ("e-mail", "email"),
    ("email", "e-mail"), ("top-up", "topup"), ("top up", "topup"), ("top-ups", "topups"),
    ("online", "on-line"), ("ok", "okay"), ("okay", "ok"), ("verification", "verfication"),
    ("organise", "organize"), ("enquiry", "inquiry"), ("cheque", "check"), ("analyse", "analyze"),
    ("utilise", "utilize"), ("programme", "program"), ("fulfil", "fulfill"),
]
SPELLING = [(a, b) for a, b in SPELLING if a not in ("cheque", "verification")]
HOMOPHONES = {
    "than": "then", "too": "to",
    "its": "it's", "it's": "its", "here": "hear", "hear": "here", "right": "write", "write": "right",
    "wait": "weight", "new": "knew", "knew": "new", "whether": "weather", "through": "threw",
    "whole": "hole", "were": "where", "allowed": "aloud", "sure": "shore", "to": "too",
    "would": "wood", "your": "you're", "you're": "your", "week": "weak", "buy": "by",
}
for _k in ["your", "you're", "week", "buy", "were"]:
    HOMOPHONES.pop(_k)

STRETCHABLE = {"please": "pleeease", "so": "sooo", "help": "helppp", "hello": "hellooo",
               "hi": "hiii", "hey": "heyyy", "long": "loooong", "now": "nowww", "again": "againnn",
               "anyone": "anyoneee", "really": "reallyyy", "thanks": "thanksss", "still": "stilll",
               "ages": "aaages", "guys": "guysss", "urgent": "urgenttt", "come": "commme"}
QWERTY_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def _neighbours():
    pos = {}
    for r, row in enumerate(QWERTY_ROWS):
        for c, ch in enumerate(row):
            pos[ch] = (r, c)
    nb = {}
    for ch, (r, c) in pos.items():
        out = []
        for ch2, (r2, c2) in pos.items():
            if ch2 != ch and abs(r - r2) <= 1 and abs(c - c2) <= 1 and not (r != r2 and c2 == c - 1 and r2 > r):
                out.append(ch2)
        nb[ch] = sorted(out)
    return nb


KEY_NEIGHBOURS = _neighbours()

# one sentence each, all with a BANKING77 topic label: a second, different request
SECOND_REQUESTS = [
    ("Also, how do I change my PIN?", "change_pin"),
    ("And can I order a spare card for my son?", "getting_spare_card"),
    ("Also, please close my account.", "terminate_account"),
    ("Plus, what's the fee for ATM withdrawals?", "cash_withdrawal_charge"),
    ("Oh and how do I verify my identity?", "verify_my_identity"),
    ("Also, my card got stuck in an ATM.", "card_swallowed"),
    ("Separately, can I top up with Apple Pay?", "apple_pay_or_google_pay"),
    ("And how long do transfers from abroad take?", "transfer_timing"),
    ("Also, why was I charged for exchanging money?", "exchange_charge"),
    ("Also, can I get a virtual card?", "getting_virtual_card"),
    ("Another thing: how do I change my address?", "edit_personal_details"),
    ("Also, which currencies can I hold?", "fiat_currency_support"),
    ("Also, is there an age limit to open an account?", "age_limit"),
    ("And can you raise my top-up limit?", "top_up_limits"),
    ("Also, contactless has stopped working for me.", "contactless_not_working"),
    ("Plus I was charged twice for one coffee.", "transaction_charged_twice"),
    ("And how do I unblock my PIN?", "pin_blocked"),
    ("Also, which countries do you support?", "country_support"),
    ("Also, I think my phone was stolen.", "lost_or_stolen_phone"),
    ("And can I pay in a cheque?", "top_up_by_cash_or_cheque"),
    ("Also, I forgot my passcode.", "passcode_forgotten"),
    ("By the way, when does my card expire?", "card_about_to_expire"),
    ("Also, can you set up automatic top-ups?", "automatic_top_up"),
    ("Also, where can I find ATMs that take your card?", "atm_support"),
    ("And please cancel the transfer I made this morning.", "cancel_transfer"),
    ("Also, why is there a fee on my card payment?", "card_payment_fee_charged"),
    ("Also, I need a refund for a faulty item.", "request_refund"),
    ("And I'd like a disposable virtual card.", "get_disposable_virtual_card"),
    ("Also, is it Visa or Mastercard?", "visa_or_mastercard"),
    ("Also, how do I link my card to the app?", "card_linking"),
    ("Also, there's a direct debit I don't recognise.", "direct_debit_payment_not_recognised"),
    ("Separately, my salary hasn't shown up.", "balance_not_updated_after_bank_transfer"),
    ("Also, why do you need proof of my income?", "verify_source_of_funds"),
    ("Also, how much can I spend with a disposable card?", "disposable_card_limits"),
    ("And can I exchange euros in the app?", "exchange_via_app"),
    ("Also, the ATM gave me less cash than I asked for.", "wrong_amount_of_cash_received"),
    ("Also, how do I get a physical card?", "order_physical_card"),
    ("And my card was declined at a shop today.", "declined_card_payment"),
    ("Plus there's a payment on my statement I didn't make.", "card_payment_not_recognised"),
    ("Also, how can I receive money from a friend abroad?", "receiving_money"),
    ("Also, what's the charge for topping up by card?", "top_up_by_card_charge"),
    ("Also, my top-up was reverted.", "top_up_reverted"),
    ("Another thing, my virtual card keeps getting declined.", "virtual_card_not_working"),
    ("And a cash withdrawal I don't recognise is on my account.", "cash_withdrawal_not_recognised"),
    ("Also, why can't I add a beneficiary?", "beneficiary_not_allowed"),
    ("Also, where is my new card? It still hasn't come.", "card_arrival"),
]


WRAPPER_LISTS = {"greeting": GREETINGS, "signoff": SIGNOFFS, "resend_pre": RESEND_PRE,
                 "resend_post": RESEND_POST, "urgency_pre": URGENCY_PRE, "urgency_post": URGENCY_POST,
                 "aside": ASIDES, "lead_in": LEAD_INS, "email_open": EMAIL_OPEN,
                 "email_close": EMAIL_CLOSE, "emoticon": EMOTICONS}
for _name, _lst in WRAPPER_LISTS.items():
    assert len(set(_lst)) == len(_lst), _name
    for _p in _lst:   # wrappers must carry no meaning-bearing material
        assert signature(_p) == ["NEG=0"], (_name, _p, signature(_p))
assert len(set(p for p, _ in SECOND_REQUESTS)) == len(SECOND_REQUESTS)


# --------------------------------------------------------------------------
# span helpers
# --------------------------------------------------------------------------
def words_of(text):
    return [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text)]


def replace_span(text, a, b, rep):
    return text[:a] + rep + text[b:]


def phrase_matches(text, phrase):
    pat = r"(?<![A-Za-z'’])" + re.escape(phrase).replace("'", "['’]").replace(r"\ ", r"\s+") + r"(?![A-Za-z'’])"
    return list(re.finditer(pat, text, flags=re.I))


def apos_style(text):
    return "’" if "’" in text else "'"


# --------------------------------------------------------------------------
# near edits.  Each: f(text, ctx) -> new text or None (not applicable).
# ctx: {"rng": Random, "vocab": set, "use": phrase counter, "taken": list}
# --------------------------------------------------------------------------
def _pick_phrase(ctx, key, options):
    use = ctx["use"]
    tent = collections.Counter(ctx["taken"])
    avail = [o for o in options if use[(key, o)] + tent[(key, o)] < PHRASE_CAP]
    if not avail:
        return None
    low = min(use[(key, o)] + tent[(key, o)] for o in avail)
    best = [o for o in avail if use[(key, o)] + tent[(key, o)] == low]
    choice = ctx["rng"].choice(best)
    ctx["taken"].append((key, choice))
    return choice


def _typo_candidates(text, minlen):
    out = []
    for a, b, w in words_of(text):
        if len(w) >= minlen and w.isalpha() and not is_hard_word(w) and not w.isupper():
            out.append((a, b, w))
    return out


def _typo(text, ctx, minlen, mutate):
    rng = ctx["rng"]
    cands = _typo_candidates(text, minlen)
    rng.shuffle(cands)
    for a, b, w in cands:
        opts = mutate(w)
        rng.shuffle(opts)
        for nw in opts:
            if nw != w and nw.lower() not in ctx["vocab"]:
                return replace_span(text, a, b, nw)
    return None


def e_typo_transpose(text, ctx):
    def mut(w):
        return [w[:i] + w[i + 1] + w[i] + w[i + 2:] for i in range(1, len(w) - 1) if w[i] != w[i + 1]]
    return _typo(text, ctx, 5, mut)


def e_typo_omit(text, ctx):
    def mut(w):
        return [w[:i] + w[i + 1:] for i in range(1, len(w))]
    return _typo(text, ctx, 5, mut)


def e_typo_neighbour_key(text, ctx):
    def mut(w):
        out = []
        for i in range(1, len(w)):
            lc = w[i].lower()
            for nb in KEY_NEIGHBOURS.get(lc, []):
                out.append(w[:i] + (nb.upper() if w[i].isupper() else nb) + w[i + 1:])
        return out
    return _typo(text, ctx, 4, mut)


def e_typo_double_letter(text, ctx):
    def mut(w):
        return [w[:i] + w[i] + w[i:] for i in range(1, len(w)) if w[i].lower() not in "aeiou" or i < len(w) - 1]
    return _typo(text, ctx, 4, mut)


def e_space_merge(text, ctx):
    rng = ctx["rng"]
    ws = words_of(text)
    cands = []
    for (a1, b1, w1), (a2, b2, w2) in zip(ws, ws[1:]):
        if text[b1:a2] == " " and not is_hard_word(w1) and not is_hard_word(w2) and len(w1) + len(w2) <= 14:
            cands.append((b1, a2))
    if not cands:
        return None
    b1, a2 = rng.choice(cands)
    return text[:b1] + text[a2:]


def e_word_repeat(text, ctx):
    rng = ctx["rng"]
    ws = [x for x in words_of(text) if not is_hard_word(x[2])]
    if not ws:
        return None
    a, b, w = rng.choice(ws)
    return text[:b] + " " + w + text[b:]


def e_sms_shorthand(text, ctx):
    rng = ctx["rng"]
    keys = [k for k in SHORTHAND if phrase_matches(text, k)]
    if not keys:
        return None
    rng.shuffle(keys)
    n = 1 + (rng.random() < 0.5)
    out = text
    done = 0
    for k in keys:
        ms = phrase_matches(out, k)
        if not ms:
            continue
        rep = rng.choice(SHORTHAND[k])
        for m in reversed(ms):          # a habit, so every occurrence
            out = replace_span(out, m.start(), m.end(), rep)
        done += 1
        if done >= n:
            break
    return out if done else None


def e_contraction(text, ctx):
    rng = ctx["rng"]
    ap = apos_style(text)
    cands = []
    for full, short in CONTRACTIONS:
        for m in phrase_matches(text, full):
            cands.append((m, short.replace("'", ap)))
        for m in phrase_matches(text, short):
            nxt = text[m.end():m.end() + 8].lower()
            if re.match(r"\s+(it|i|you|we|they|he|she|my|the|this|that|there|your)\b", nxt):
                continue      # "why hasn't it" must not become "why has not it"
            if short in ("it's", "what's", "that's", "there's") and re.match(r"\s+(been|got)\b", nxt):
                continue
            cands.append((m, full))
    if not cands:
        return None
    m, rep = rng.choice(cands)
    return replace_span(text, m.start(), m.end(), match_case(m.group(0), rep))


def e_synonym(text, ctx):
    rng = ctx["rng"]
    cands = []
    for a, b in SYNONYMS:
        for m in phrase_matches(text, a):
            cands.append((m, b))
    if not cands:
        return None
    m, rep = rng.choice(cands)
    return replace_span(text, m.start(), m.end(), match_case(m.group(0), rep))


def e_filler(text, ctx):
    rng = ctx["rng"]
    ws = words_of(text)
    mids = [(a, w) for (a, b, w) in ws[1:] if w.lower() in FILLER_BEFORE]
    if mids and rng.random() < 0.6:
        a, w = rng.choice(mids)
        f = rng.choice(FILLERS_MID)
        return text[:a] + f + " " + text[a:]
    f = rng.choice(FILLERS_START)
    first = text.lstrip()
    if first[:2] != "I " and first[:2] != "I'" and not (ws and ws[0][2].isupper()):
        first = first[:1].lower() + first[1:]
    return f + " " + first


def e_function_word_drop(text, ctx):
    rng = ctx["rng"]
    drops = {"the", "a", "an", "please", "just", "really", "actually"}
    ws = [x for x in words_of(text) if x[2].lower() in drops]
    if not ws:
        return None
    rng.shuffle(ws)
    pick = sorted(ws[:1 + (len(ws) > 2 and rng.random() < 0.5)], reverse=True)
    out = text
    for a, b, w in pick:
        end = b
        while end < len(out) and out[end] == " ":
            end += 1
        out = out[:a] + out[end:]
    out = tidy(out)
    if out and text[:1].isupper() and not out[:1].isupper():
        out = out[:1].upper() + out[1:]
    return out


NONNATIVE = [
    (r"\bhow can i\b", "how I can"), (r"\bhow do i\b", "how to"), (r"\bwhere can i\b", "where I can"),
    (r"\bwhat do i need to\b", "what I need to"), (r"\bcan you\b", "you can"),
    (r"\bis it possible to\b", "it is possible to"), (r"\bi want to\b", "I want"),
    (r"\bi would like to\b", "I would like"), (r"\bdo you\b(?!\s+not)", "you"),
    (r"\bi have (a|an|some)\b", r"I am having \1"), (r"\bwhat is the\b", "what is"),
    (r"\bwhy (is|was|are|were) (my|the|your) (\w+) (not|still|so|being|\w+ed|\w+ing)\b", r"why \2 \3 \1 \4"),
    (r"\bwhere (is|are) (my|the|your) (\w+)(?=\s*[?.!]|\s*$)", r"where \2 \3 \1"),
    (r"\bi need to\b", "I need"), (r"\bplease\b", "kindly"), (r"\bi've\b", "I have"),
]


def e_nonnative(text, ctx):
    rng = ctx["rng"]
    cands = []
    for pat, rep in NONNATIVE:
        for m in re.finditer(pat, text, flags=re.I):
            cands.append((m, pat, rep))
    if not cands:
        return None
    m, pat, rep = rng.choice(cands)
    new = re.sub(pat, rep, m.group(0), flags=re.I)
    new = match_case(m.group(0), new) if m.group(0)[:1].isupper() else new
    return replace_span(text, m.start(), m.end(), new)


def e_voice_homophone(text, ctx):
    rng = ctx["rng"]
    cands = [(a, b, w) for a, b, w in words_of(text)
             if APOS_RE.sub("'", w.lower()) in HOMOPHONES and not is_hard_word(w)]
    if not cands:
        return None
    a, b, w = rng.choice(cands)
    rep = HOMOPHONES[APOS_RE.sub("'", w.lower())]
    out = replace_span(text, a, b, match_case(w, rep))
    if rng.random() < 0.5:                    # dictation often drops the final mark
        out = out.rstrip(".?! ")
    return out


def e_spelling_variant(text, ctx):
    rng = ctx["rng"]
    cands = []
    for a, b in SPELLING:
        for m in phrase_matches(text, a):
            cands.append((m, b))
    if not cands:
        return None
    m, rep = rng.choice(cands)
    return replace_span(text, m.start(), m.end(), match_case(m.group(0), rep))


def e_sentence_reorder(text, ctx):
    parts = re.split(r"(?<=[.?!])\s+", text.strip())
    parts = [p for p in parts if p]
    if len(parts) < 2 or any(len(p.split()) < 2 for p in parts):
        return None
    out = " ".join(parts[-1:] + parts[:-1])
    return out if out != text.strip() else None


def _join_post(text, phrase, rng):
    t = text.rstrip()
    if t and t[-1] not in ".?!" and rng.random() < 0.6:
        t += "."
    return t + " " + phrase


def e_greeting(text, ctx):
    g = _pick_phrase(ctx, "greeting", GREETINGS)
    return None if g is None else g + " " + text.lstrip()


def e_signoff(text, ctx):
    s = _pick_phrase(ctx, "signoff", SIGNOFFS)
    return None if s is None else _join_post(text, s, ctx["rng"])


def e_resend_note(text, ctx):
    if ctx["rng"].random() < 0.65:
        p = _pick_phrase(ctx, "resend_pre", RESEND_PRE)
        return None if p is None else p + " " + text.lstrip()
    p = _pick_phrase(ctx, "resend_post", RESEND_POST)
    return None if p is None else text.rstrip() + " " + p


def e_urgency(text, ctx):
    if ctx["rng"].random() < 0.25:
        p = _pick_phrase(ctx, "urgency_pre", URGENCY_PRE)
        return None if p is None else p + " " + text.lstrip()
    p = _pick_phrase(ctx, "urgency_post", URGENCY_POST)
    return None if p is None else _join_post(text, p, ctx["rng"])


def e_aside(text, ctx):
    p = _pick_phrase(ctx, "aside", ASIDES)
    if p is None:
        return None
    if ctx["rng"].random() < 0.5:
        return _join_post(text, p, ctx["rng"])
    return p + " " + text.lstrip()


def e_lead_in(text, ctx):
    p = _pick_phrase(ctx, "lead_in", LEAD_INS)
    return None if p is None else p + " " + text.lstrip()


def e_email_frame(text, ctx):
    o = _pick_phrase(ctx, "email_open", EMAIL_OPEN)
    c = _pick_phrase(ctx, "email_close", EMAIL_CLOSE)
    if o is None or c is None:
        return None
    body = text.strip()
    if body[-1:] not in ".?!":
        body += "."
    if "\n" in c or ctx["rng"].random() < 0.5:
        return o + "\n\n" + body + "\n\n" + c
    return o + " " + body + " " + c


def e_letter_stretch(text, ctx):
    rng = ctx["rng"]
    cands = [(a, b, w) for a, b, w in words_of(text) if w.lower() in STRETCHABLE]
    if not cands:
        return None
    a, b, w = rng.choice(cands)
    return replace_span(text, a, b, match_case(w, STRETCHABLE[w.lower()]))


# cosmetic edits (never alone: on their own the row would be an 'exact' copy
# or differ only in symbols)
def e_lowercase(text, ctx):
    out = text.lower()
    return out if out != text else None


def e_all_caps(text, ctx):
    if len(text.split()) > 14:
        return None
    out = text.upper()
    return out if out != text else None


def e_punct_strip(text, ctx):
    out = re.sub(r"(?<!\d)[.,!?;:]|[.,!?;:](?!\d)", "", text)
    out = APOS_RE.sub("", out) if ctx["rng"].random() < 0.6 else out
    out = tidy(out)
    return out if out != text else None


def e_extra_punct(text, ctx):
    rng = ctx["rng"]
    t = text.rstrip()
    if t.endswith("?"):
        return t[:-1] + rng.choice(["???", "??", "?!", "?!?", "?? "]).rstrip()
    if t.endswith("."):
        return t[:-1] + rng.choice(["!", "!!", "...", ".."])
    return t + rng.choice(["??", "!!", "...", "?!"])


def e_emoticon(text, ctx):
    p = _pick_phrase(ctx, "emoticon", EMOTICONS)
    return None if p is None else text.rstrip() + " " + p


NEAR_EDITS = {   # name: (function, phase, substantive)
    "typo_transpose": (e_typo_transpose, 1, True),
    "typo_omit": (e_typo_omit, 1, True),
    "typo_neighbour_key": (e_typo_neighbour_key, 1, True),
    "typo_double_letter": (e_typo_double_letter, 1, True),
    "space_merge": (e_space_merge, 1, True),
    "word_repeat": (e_word_repeat, 1, True),
    "sms_shorthand": (e_sms_shorthand, 1, True),
    "contraction_change": (e_contraction, 1, True),
    "synonym_swap": (e_synonym, 1, True),
    "filler_insert": (e_filler, 1, True),
    "function_word_drop": (e_function_word_drop, 1, True),
    "nonnative_wording": (e_nonnative, 1, True),
    "voice_homophone": (e_voice_homophone, 1, True),
    "spelling_variant": (e_spelling_variant, 1, True),
    "sentence_reorder": (e_sentence_reorder, 1, True),
    "greeting": (e_greeting, 2, True),
    "signoff": (e_signoff, 2, True),
    "resend_note": (e_resend_note, 2, True),
    "urgency_note": (e_urgency, 2, True),
    "aside_sentence": (e_aside, 2, True),
    "lead_in": (e_lead_in, 2, True),
    "email_frame": (e_email_frame, 2, True),
    "letter_stretch": (e_letter_stretch, 3, True),
    "lowercase": (e_lowercase, 4, False),
    "all_caps": (e_all_caps, 4, False),
    "punct_strip": (e_punct_strip, 4, False),
    "extra_punct": (e_extra_punct, 4, False),
    "emoticon": (e_emoticon, 4, False),
}
CONFLICTS = [
    {"lowercase", "all_caps"}, {"punct_strip", "extra_punct"}, {"email_frame", "greeting"},
    {"email_frame", "signoff"}, {"email_frame", "lead_in"}, {"email_frame", "all_caps"},
    {"email_frame", "punct_strip"}, {"greeting", "lead_in"}, {"sentence_reorder", "email_frame"},
    {"typo_transpose", "typo_omit", "typo_neighbour_key", "typo_double_letter"},
]
CONFLICTS = [c for c in CONFLICTS]


def compatible(chosen, name):
    for c in CONFLICTS:
        if name in c and any(x in c for x in chosen if x != name):
            return False
    return name not in chosen


# --------------------------------------------------------------------------
# recognisability (content words of the source still recognisable)
# --------------------------------------------------------------------------
def osa(a, b, cap=3):
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            c = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + c)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _squeeze(w):
    return re.sub(r"(.)\1+", r"\1", w)


def equivalents():
    eq = collections.defaultdict(set)
    for k, vs in SHORTHAND.items():
        for v in vs:
            for kw in norm_words(k):
                for vw in norm_words(v):
                    eq[kw].add(vw)
    for a, b in SYNONYMS + SPELLING:
        wa, wb = norm_words(a), norm_words(b)
        xa = [w for w in wa if w not in wb]
        xb = [w for w in wb if w not in wa]
        for x in xa:
            eq[x].update(xb)
    return eq


EQUIV = equivalents()


def recognised(w, toks):
    if w in toks:
        return True
    sw = _squeeze(w)
    for t in toks:
        if len(w) >= 4 and osa(w, t, 2) <= (2 if len(w) >= 8 else 1):
            return True
        if len(w) >= 3 and len(t) > len(w) and (t.startswith(w) or t.endswith(w)):
            return True
        if _squeeze(t) == sw:
            return True
    return any(e in toks for e in EQUIV.get(w, ()))


def recognisable_share(src, new):
    cw = content_words(src)
    if not cw:
        return 1.0
    toks = set(norm_words(new))
    return sum(1 for w in cw if recognised(w, toks)) / len(cw)


# --------------------------------------------------------------------------
# negative edits: f(text, rng) -> list of candidate texts (exactly one change)
# --------------------------------------------------------------------------
def _word_map_cands(text, mapping, cond=None):
    out = []
    ws = words_of(text)
    for i, (a, b, w) in enumerate(ws):
        key = APOS_RE.sub("'", w.lower())
        if key in UPPER_ONLY and w != w.upper():
            continue
        if key not in mapping:
            continue
        prev = ws[i - 1][2].lower() if i else ""
        nxt = ws[i + 1][2].lower() if i + 1 < len(ws) else ""
        if cond and not cond(key, prev, nxt, text, a, b):
            continue
        rep = mapping[key]
        if callable(rep):
            rep = rep(prev, nxt)
        if rep is None or re.search(r"(?i)\b" + re.escape(rep) + r"\b", text):
            continue          # 'Visa or Mastercard' must not become 'Mastercard or Mastercard'
        rep = match_case(w, rep)
        if i and prev in ("a", "an") and text[ws[i - 1][1]:a] == " ":
            low = rep.lower()
            vowel = low[:1] in "aeiou" and not low.startswith(("eu", "uni", "use", "usu", "one"))
            art = "an" if vowel or low.startswith("hour") else "a"
            pa = ws[i - 1][0]
            out.append(text[:pa] + match_case(ws[i - 1][2], art) + " " + rep + text[b:])
        else:
            out.append(replace_span(text, a, b, rep))
    return out


def n_antonym_swap(text):
    def cond(k, prev, nxt, text, a, b):
        if k == "deposit":
            return prev in ("a", "the", "my", "cash", "this", "that", "cheque", "last")
        if k in ("close", "open") and nxt not in ("my", "an", "a", "the", "this", "account"):
            return False
        if k == "lower" and nxt in ("case",):
            return False
        if k == "first" and nxt in ("time",):
            return True
        if k in ("approved", "declined", "rejected", "accepted"):   # verb use only
            return prev in ("was", "been", "is", "be", "get", "got", "getting", "being", "were", "are",
                            "keeps", "not", "it", "card", "payment", "transfer")
        return True
    m = dict(ANTONYM_MAP)
    m["deposit"] = "withdrawal"
    return _word_map_cands(text, m, cond)


def n_sibling_swap(text):
    def cond(k, prev, nxt, text, a, b):
        if k in ("apple", "google"):
            return nxt == "pay"
        if k == "savings" or k == "business":
            return nxt in ("account", "accounts")
        if k == "app" and prev in ("the", "your", "my", "this", "an", "in", "via"):
            return True
        if k == "app":
            return False
        return True
    return _word_map_cands(text, SIBLING_MAP, cond)


NUM_WORD_MAP = {"two": "three", "three": "five", "four": "six", "five": "seven", "six": "eight",
                "seven": "nine", "eight": "ten", "ten": "twelve", "twice": "three times",
                "double": "triple", "twenty": "forty", "fifty": "eighty", "hundred": "thousand",
                "thousand": "hundred"}


def n_number_change(text):
    out = []
    for m in re.finditer(r"\d+(?:[.,]\d+)*", text):
        s = m.group(0)
        ip = re.match(r"\d+", s).group(0)
        n = int(ip)
        if n <= 3:
            new = n + 2
        elif n <= 12:
            new = n * 2 if n <= 6 else n + 5
        elif n < 100:
            new = n * 2 if n % 5 else n + 25
        else:
            new = n * 3
        rep = str(new) + s[len(ip):]
        out.append(replace_span(text, m.start(), m.end(), rep))
    out += _word_map_cands(text, NUM_WORD_MAP,
                           lambda k, p, nx, t, a, b: not (k == "double" and nx in ("check", "checked")))
    return out


def n_time_change(text):
    return _word_map_cands(text, TIME_MAP,
                           lambda k, p, nx, t, a, b: not (k in ("day", "days") and p in ("business",)))


def n_currency_change(text):
    def cond(k, p, nx, t, a, b):
        if k == "pound" and nx == "sign":
            return False
        return p not in NATIONAL_PREFIX       # 'Australian dollars' -> keep, change elsewhere
    out = _word_map_cands(text, CURRENCY_MAP, cond)
    for i, ch in enumerate(text):
        if ch in CURRENCY_SYM:
            out.append(text[:i] + CURRENCY_SYM[ch] + text[i + 1:])
    return out


def n_country_change(text):
    def cond(k, prev, nxt, text, a, b):
        if nxt in CURRENCY_MAP:               # 'UK pounds': leave to currency_change
            return False
        if k == "turkey":
            return text[a:b] == "Turkey"
        if k in ("american",) and nxt == "express":
            return False
        return True
    m = dict(COUNTRY_MAP)
    for k, adj in COUNTRY_ADJ.items():       # attributive use: 'a US customer' -> 'a Mexican customer'
        m[k] = (lambda adj, noun: lambda prev, nxt: adj if nxt in ATTR_NOUNS else noun)(adj, m[k])
    return _word_map_cands(text, m, cond)


def n_owner_change(text, rng):
    out = []
    for m in re.finditer(r"\b([Mm]y)\s+(new\s+|old\s+)?([A-Za-z]+)", text):
        if m.group(3).lower() in OWNED_NOUNS:
            rel = rng.choice(RELATIVES)
            out.append(replace_span(text, m.end(1), m.end(1), " " + rel + "'s"))
    return out


AUXQ = r"(?=\s+(?:will|can|do|does|did|is|are|was|were|should|would|could|has|have)\b)"
QW_MAP = [(r"why", "When"), (r"when" + AUXQ, "Why"), (r"where" + AUXQ, "When"), (r"how do i", "Why do I"),
          (r"how can i", "Where can I"), (r"how do you", "Why do you"), (r"how does", "Why does"),
          (r"how is", "Why is"), (r"how much does it cost to", "Why does it cost money to"),
          (r"what can i do", "Why should I do anything"), (r"how long", "How often")]
QW_MAP = QW_MAP[:8]


def n_question_word_change(text):
    out = []
    for pat, rep in QW_MAP:
        for m in re.finditer(r"(?:^|(?<=[.?!]\s))" + pat + r"\b", text, flags=re.I):
            g = m.group(0)
            r = rep if g[:1].isupper() else rep[:1].lower() + rep[1:]
            out.append(replace_span(text, m.start(), m.end(), r))
    return out


NEG_REMOVE = {"don't": "do", "doesn't": "does", "didn't": "did", "can't": "can", "cannot": "can",
              "won't": "will", "isn't": "is", "wasn't": "was", "aren't": "are", "weren't": "were",
              "haven't": "have", "hasn't": "has", "hadn't": "had", "couldn't": "could",
              "wouldn't": "would", "shouldn't": "should", "dont": "do", "didnt": "did",
              "doesnt": "does", "cant": "can", "isnt": "is", "wasnt": "was", "havent": "have",
              "hasnt": "has", "couldnt": "could", "wouldnt": "would", "arent": "are"}
NEG_AUX = {"is", "was", "are", "were", "do", "does", "did", "have", "has", "can", "could", "will",
           "would", "should", "am"}
NEG_ADD = {"is": "isn't", "was": "wasn't", "are": "aren't", "were": "weren't", "has": "hasn't",
           "have": "haven't", "did": "didn't", "does": "doesn't", "do": "don't", "can": "can't",
           "will": "won't", "would": "wouldn't", "should": "shouldn't", "could": "couldn't",
           "am": "am not"}
SUBJ = set("""i it card transfer payment money that this they you we he she refund deposit account app
pin withdrawal cash balance transaction funds top-up topup machine atm""".split())
PARTICIPLES = set("""been got gotten made sent seen done paid lost taken given gone had received tried
heard found come bought put spent left run changed charged""".split())


def n_negation_removed(text):
    out = []
    ws = words_of(text)
    low = text.lower()
    for i, (a, b, w) in enumerate(ws):
        k = APOS_RE.sub("'", w.lower())
        tail = " ".join(x[2].lower() for x in ws[i + 1:i + 7])
        if re.search(r"\b(yet|any|anything|anymore|either|ever)\b", tail):
            continue
        if k in NEG_REMOVE:
            rep = match_case(w, NEG_REMOVE[k])
            if i and ws[i - 1][2].lower() == "still" and text[ws[i - 1][1]:a] == " ":
                pa = ws[i - 1][0]
                out.append(text[:pa] + match_case(ws[i - 1][2], "already") + " " + rep + text[b:])
            else:
                out.append(replace_span(text, a, b, rep))
        elif k == "not" and i and ws[i - 1][2].lower() in NEG_AUX and text[ws[i - 1][1]:a] == " ":
            out.append(text[:ws[i - 1][1]] + text[b:])
    del low
    return out


def n_negation_added(text):
    out = []
    ws = words_of(text)
    for i, (a, b, w) in enumerate(ws):
        k = w.lower()
        if k not in NEG_ADD or i == 0 or i + 1 >= len(ws):
            continue
        prev, nxt = ws[i - 1][2].lower(), ws[i + 1][2].lower()
        if nxt in ("not", "never") or nxt.endswith("n't") or nxt.endswith("ing"):
            continue
        if re.search(r"(?i)youngest|oldest|old enough|how old", text):
            continue
        if any(t in NEG_TOKENS or t == "nowhere" for t in norm_words(text)):
            continue          # no double negatives
        if text[ws[i - 1][1]:a] != " " or text[b:ws[i + 1][0]] != " ":
            continue
        ok = False
        if prev == "why" and k in ("do", "does", "did", "is", "was", "can", "are", "were", "has", "have"):
            ok = True
        elif nxt in ("wondering", "hoping", "thinking", "curious", "still", "just", "really", "going",
                     "told", "interested", "trying", "looking", "kind", "sort", "actually", "also"):
            ok = False
        elif prev in SUBJ or (prev == "i" and k == "am"):
            if k in ("have", "has"):
                ok = nxt in PARTICIPLES or nxt.endswith("ed")
            elif k in ("do", "does", "did"):
                ok = False
            else:
                ok = True
        if ok:
            out.append(replace_span(text, a, b, match_case(w, NEG_ADD[k])))
    return out


def n_second_request(text, cat, rng, ctx):
    src_cw = set(content_words(text))
    opts = [(p, c) for p, c in SECOND_REQUESTS
            if c != cat and len(src_cw & set(content_words(p))) <= 1]
    use = ctx["use"]
    tent = collections.Counter(ctx["taken"])
    opts = [(p, c) for p, c in opts if use[("second_request", p)] + tent[("second_request", p)] < PHRASE_CAP]
    if not opts:
        return []
    low = min(use[("second_request", p)] for p, c in opts)
    opts = [o for o in opts if use[("second_request", o[0])] == low]
    p, c = rng.choice(opts)
    ctx["taken"].append(("second_request", p))
    t = text.rstrip()
    if t[-1:] not in ".?!":
        t += "?" if re.match(r"(?i)(why|how|what|when|where|which|who|can|could|is|are|do|does|did|will|would|should)\b", t) else "."
    return [t + " " + p]


NEG_KINDS = ["antonym_swap", "sibling_swap", "negation_added", "negation_removed", "number_change",
             "time_change", "currency_change", "country_change", "owner_change",
             "question_word_change", "second_request"]


def negative_cands(kind, text, cat, rng, ctx):
    if kind == "antonym_swap":
        return n_antonym_swap(text)
    if kind == "sibling_swap":
        return n_sibling_swap(text)
    if kind == "negation_added":
        return n_negation_added(text)
    if kind == "negation_removed":
        return n_negation_removed(text)
    if kind == "number_change":
        return n_number_change(text)
    if kind == "time_change":
        return n_time_change(text)
    if kind == "currency_change":
        return n_currency_change(text)
    if kind == "country_change":
        return n_country_change(text)
    if kind == "owner_change":
        return n_owner_change(text, rng)
    if kind == "question_word_change":
        return n_question_word_change(text)
    if kind == "second_request":
        return n_second_request(text, cat, rng, ctx)
    raise KeyError(kind)


# --------------------------------------------------------------------------
# exact copies
# --------------------------------------------------------------------------
def x_lowercase(t, rng):
    return t.lower()


def x_first_letter_case(t, rng):
    return t[:1].swapcase() + t[1:]


def x_all_caps(t, rng):
    return t.upper()


def x_final_punct_removed(t, rng):
    s = t.rstrip()
    return s.rstrip(".?!") if s[-1:] in ".?!" else None


def x_final_punct_added(t, rng):
    s = t.rstrip()
    if s[-1:] in ".?!":
        return None
    return s + rng.choice(["?", ".", "!", "??"])


def x_final_punct_changed(t, rng):
    s = t.rstrip()
    if s.endswith("?"):
        return s[:-1] + rng.choice(["??", "?!", "."])
    if s.endswith("."):
        return s[:-1] + rng.choice(["!", "...", "?"])
    return None


def x_whitespace(t, rng):
    r = rng.random()
    if r < 0.35:
        return t + " "
    if r < 0.5:
        return " " + t
    sp = [i for i, c in enumerate(t) if c == " "]
    if not sp:
        return t + "  "
    i = rng.choice(sp)
    return t[:i] + "  " + t[i:].lstrip(" ") if r < 0.85 else t[:i] + "   " + t[i + 1:]


def x_apostrophes_dropped(t, rng):
    return re.sub(r"(?<=[A-Za-z])['’](?=[A-Za-z])", "", t) if re.search(r"[A-Za-z]['’][A-Za-z]", t) else None


def x_apostrophe_curly(t, rng):
    return t.replace("'", "’") if "'" in t else None


EXACT_EDITS = {"lowercase": x_lowercase, "first_letter_case": x_first_letter_case,
               "all_caps": x_all_caps, "final_punct_removed": x_final_punct_removed,
               "final_punct_added": x_final_punct_added, "final_punct_changed": x_final_punct_changed,
               "whitespace": x_whitespace, "apostrophes_dropped": x_apostrophes_dropped,
               "apostrophe_curly": x_apostrophe_curly}
EXACT_WEIGHTS = {"lowercase": 4, "first_letter_case": 3, "all_caps": 1, "final_punct_removed": 3,
                 "final_punct_added": 3, "final_punct_changed": 2, "whitespace": 3,
                 "apostrophes_dropped": 3, "apostrophe_curly": 2}


# --------------------------------------------------------------------------
# main pipeline
# --------------------------------------------------------------------------
def load(path):
    rows = []
    seen = set()
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["text"] in seen:
                continue
            seen.add(r["text"])
            rows.append((r["text"], r["category"]))
    return rows


def stem(w):
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[:-len(suf)]
    return w


def cstems(s):
    return frozenset(stem(w) for w in content_words(s))


def screen_pair(a, b):
    """reason string if two originals are too alike, else None.
    a, b: dicts with text, cat, ws, c4, ns, cs"""
    if jacc(a["ws"], b["ws"]) >= 0.5:
        return "word_jaccard"
    if min(len(a["c4"]), len(b["c4"])) >= 0.5 * max(len(a["c4"]), len(b["c4"])) and jacc(a["c4"], b["c4"]) >= 0.5:
        return "char4_jaccard"
    if a["ns"] in b["ns"] or b["ns"] in a["ns"]:
        return "containment"
    if a["cat"] == b["cat"] and a["cs"] and b["cs"]:
        inter = len(a["cs"] & b["cs"])
        if inter / min(len(a["cs"]), len(b["cs"])) > 0.5 or inter / len(a["cs"] | b["cs"]) >= 0.5:
            return "same_category_content"
    return None


def feat(text, cat):
    return {"text": text, "cat": cat, "ws": wset(text), "c4": char4(text), "ns": norm_str(text),
            "cs": cstems(text)}


def _prefix_pairs(sets, thr):
    """candidate pairs that can reach Jaccard >= thr (prefix filtering)"""
    df = collections.Counter()
    for st in sets:
        df.update(st)
    idx = collections.defaultdict(list)
    pairs = set()
    for i, st in enumerate(sets):
        toks = sorted(st, key=lambda w: (df[w], w))
        plen = len(toks) - int(-(-thr * len(toks) // 1)) + 1
        li = len(st)
        for w in toks[:max(plen, 1)]:
            for j in idx[w]:
                lj = len(sets[j])
                if min(li, lj) >= thr * max(li, lj):
                    pairs.add((j, i))
            idx[w].append(i)
    return pairs


def conflict_graph(feats):
    """adjacency sets of the 'too alike' relation (same tests as screen_pair);
    candidate pairs per test come from prefix filtering / indexes"""
    n = len(feats)
    adj = [set() for _ in range(n)]

    def link(i, j):
        adj[i].add(j)
        adj[j].add(i)

    for i, j in _prefix_pairs([f["ws"] for f in feats], 0.5):
        if jacc(feats[i]["ws"], feats[j]["ws"]) >= 0.5:
            link(i, j)
    for i, j in _prefix_pairs([f["c4"] for f in feats], 0.5):
        if j not in adj[i] and jacc(feats[i]["c4"], feats[j]["c4"]) >= 0.5:
            link(i, j)
    # containment: the rarest interior word of the shorter text must be a whole word of the longer
    df = collections.Counter()
    post = collections.defaultdict(list)
    for i, f in enumerate(feats):
        df.update(f["ws"])
        for w in f["ws"]:
            post[w].append(i)
    for i, f in enumerate(feats):
        toks = f["ns"].split()
        inner = toks[1:-1] if len(toks) >= 3 else []
        pool = post[min(inner, key=lambda x: (df[x], x))] if inner else range(n)
        for j in pool:
            if j != i and f["ns"] in feats[j]["ns"]:
                link(i, j)
    # same category: every pair sharing a content stem
    bycat = collections.defaultdict(list)
    for i, f in enumerate(feats):
        bycat[f["cat"]].append(i)
    for cat in sorted(bycat):
        members = bycat[cat]
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if feats[i]["cs"] & feats[j]["cs"] and screen_pair(feats[i], feats[j]):
                    link(i, j)
    return adj


def select_originals(rows, rng):
    """randomised minimum-degree greedy independent set in the 'too alike' graph"""
    cands = [(t, c) for t, c in rows
             if 3 <= len(t.split()) <= 30 and "\n" not in t and "\t" not in t and content_words(t)]
    rng.shuffle(cands)
    feats = [feat(t, c) for t, c in cands]
    adj = conflict_graph(feats)
    n = len(feats)
    noise = [rng.random() for _ in range(n)]
    alive = [True] * n
    deg = [len(a) for a in adj]
    heap = [(deg[i] + noise[i] * 3, i) for i in range(n)]
    heapq.heapify(heap)
    chosen = []
    while heap and len(chosen) < N_ORIG:
        d, i = heapq.heappop(heap)
        if not alive[i] or d != deg[i] + noise[i] * 3:
            continue
        chosen.append(feats[i])
        alive[i] = False
        for j in sorted(adj[i]):
            if alive[j]:
                alive[j] = False
                for k in sorted(adj[j]):
                    if alive[k]:
                        deg[k] -= 1
                        heapq.heappush(heap, (deg[k] + noise[k] * 3, k))
    if len(chosen) < N_ORIG:
        sys.exit("only %d originals passed the screen" % len(chosen))
    return chosen


class Closeness:
    def __init__(self, origs):
        self.sets = [o["ws"] for o in origs]
        self.idx = collections.defaultdict(list)
        for i, s in enumerate(self.sets):
            for w in s:
                self.idx[w].append(i)

    def best_other(self, ws, src):
        cnt = collections.Counter()
        for w in ws:
            for i in self.idx.get(w, ()):
                cnt[i] += 1
        best, who = 0.0, None
        for i, k in sorted(cnt.items()):
            if i == src:
                continue
            j = k / (len(ws) + len(self.sets[i]) - k)
            if j > best:
                best, who = j, i
        return best, who

    def closest_is(self, text, src):
        ws = wset(text)
        own = jacc(ws, self.sets[src])
        other, _ = self.best_other(ws, src)
        return own > other, own, other


def build(input_path):
    rng = random.Random(SEED)
    rows = load(input_path)
    train_norm = set(norm_str(t) for t, _ in rows)
    vocab = set()
    for t, _ in rows:
        vocab.update(norm_words(t))
        vocab.update(w.lower() for w in WORD_RE.findall(t))
    origs = select_originals(rows, rng)
    rng.shuffle(origs)          # file order of originals
    close = Closeness(origs)
    use = collections.Counter()
    stats = collections.OrderedDict()

    # ---------------- negatives ----------------
    order = list(range(N_ORIG))
    rng.shuffle(order)
    applic = {k: [] for k in NEG_KINDS}
    probe_ctx = {"use": collections.Counter(), "taken": []}
    for i in order:
        o = origs[i]
        for k in NEG_KINDS:
            if k == "second_request":
                applic[k].append(i)
                continue
            if negative_cands(k, o["text"], o["cat"], random.Random(0), probe_ctx):
                applic[k].append(i)
    # quota: water-filling so rare kinds get all they can, total N_NEG
    kinds_by_avail = sorted(NEG_KINDS, key=lambda k: (len(applic[k]), k))
    quota = {}
    left, kleft = N_NEG, len(NEG_KINDS)
    for k in kinds_by_avail:
        q = min(len(applic[k]) // 2, -(-left // kleft), 45)
        if k == "second_request":
            q = max(q, 0)
        quota[k] = q
        left -= q
        kleft -= 1
    # any remainder goes to the most available kinds
    ki = len(kinds_by_avail) - 1
    while left > 0:
        quota[kinds_by_avail[ki]] += 1
        left -= 1
        ki = ki - 1 if ki > 0 else len(kinds_by_avail) - 1
    used_src = set()
    negatives = []   # (src, text, kind)
    neg_texts = set()
    for k in kinds_by_avail:
        got = 0
        for i in applic[k]:
            if got >= quota[k]:
                break
            if i in used_src:
                continue
            o = origs[i]
            ctx = {"use": use, "taken": []}
            cands = negative_cands(k, o["text"], o["cat"], rng, ctx)
            rng.shuffle(cands)
            for c in cands:
                c = tidy(c) if k == "second_request" else c
                ns = norm_str(c)
                if ns in train_norm or ns == o["ns"] or ns in neg_texts:
                    continue
                if exact_norm(c) == exact_norm(o["text"]):
                    continue
                ok, own, oth = close.closest_is(c, i)
                if not ok:
                    continue
                negatives.append((i, c, k))
                neg_texts.add(ns)
                used_src.add(i)
                use.update(ctx["taken"])
                got += 1
                break
        if got < quota[k]:
            # hand the shortfall to a later (more available) kind
            later = [x for x in kinds_by_avail if kinds_by_avail.index(x) > kinds_by_avail.index(k)]
            if later:
                quota[later[-1]] += quota[k] - got
            quota[k] = got
    if len(negatives) != N_NEG:
        sys.exit("negatives: %d" % len(negatives))

    # ---------------- near copies ----------------
    near = []
    ecount = collections.Counter()
    free = [i for i in order if i not in used_src]
    names = list(NEAR_EDITS)
    subst = [n for n in names if NEAR_EDITS[n][2]]
    n_edit_plan = [1] * 170 + [2] * 200 + [3] * 130
    rng.shuffle(n_edit_plan)
    fi = 0
    for r in range(N_NEAR):
        want = n_edit_plan[r]
        while True:
            i = free[fi]
            fi += 1
            o = origs[i]
            res = try_near(o, i, want, rng, use, ecount, vocab, close, subst, names)
            if res:
                text, edits, taken = res
                near.append((i, text, edits))
                used_src.add(i)
                use.update(taken)
                ecount.update(edits)
                break
    # ---------------- exact copies ----------------
    exact = []
    xcount = collections.Counter()
    n_ident = 27
    for r in range(N_EXACT):
        i = free[fi]
        fi += 1
        o = origs[i]
        t = o["text"]
        if r < n_ident:
            exact.append((i, t, ["identical"]))
            xcount["identical"] += 1
            used_src.add(i)
            continue
        k = 1 + (rng.random() < 0.4)
        names_x = sorted(EXACT_EDITS, key=lambda n: (xcount[n] / EXACT_WEIGHTS[n], n))
        done = []
        cur = t
        for nme in names_x:
            if len(done) >= k:
                break
            if nme in ("lowercase", "all_caps", "first_letter_case") and any(
                    d in ("lowercase", "all_caps", "first_letter_case") for d in done):
                continue
            if nme.startswith("final_punct") and any(d.startswith("final_punct") for d in done):
                continue
            if rng.random() < 0.3:
                continue
            new = EXACT_EDITS[nme](cur, rng)
            if new is None or new == cur:
                continue
            cur = new
            done.append(nme)
        if not done:
            cur = t + " "
            done = ["whitespace"]
        assert exact_norm(cur) == exact_norm(t) and cur != t, (t, cur, done)
        exact.append((i, cur, done))
        xcount.update(done)
        used_src.add(i)

    planted = ([("negative", s, t, [k]) for s, t, k in negatives]
               + [("near", s, t, e) for s, t, e in near]
               + [("exact", s, t, e) for s, t, e in exact])
    rows_out = layout(origs, planted, rng)

    stats["counts"] = collections.OrderedDict(
        (k, sum(1 for r in rows_out if r["kind"] == k)) for k in ("original", "exact", "near", "negative"))
    stats["total_rows"] = len(rows_out)
    stats["near_edit_counts"] = collections.OrderedDict(sorted(ecount.items(), key=lambda x: (-x[1], x[0])))
    stats["near_edits_per_row"] = collections.OrderedDict(
        sorted(collections.Counter(len(e) for _, _, e in near).items()))
    stats["negative_kind_counts"] = collections.OrderedDict(
        sorted(collections.Counter(k for _, _, k in negatives).items(), key=lambda x: (-x[1], x[0])))
    stats["exact_edit_counts"] = collections.OrderedDict(sorted(xcount.items(), key=lambda x: (-x[1], x[0])))
    pos = {r["id"]: n for n, r in enumerate(rows_out)}
    gaps = [pos[r["id"]] - pos[r["source_id"]] for r in rows_out if r["source_id"]]
    stats["gap"] = {"within_1_40": sum(1 for g in gaps if g <= CLOSE_MAX_GAP),
                    "beyond_40": sum(1 for g in gaps if g > CLOSE_MAX_GAP),
                    "min": min(gaps), "max": max(gaps)}
    stats["max_phrase_use"] = max(use.values()) if use else 0
    stats["distinct_phrasings_used"] = collections.OrderedDict(
        sorted(collections.Counter(k for (k, _p) in use).items()))
    stats["phrasing_use_histogram"] = collections.OrderedDict(
        sorted((str(k), v) for k, v in collections.Counter(use.values()).items()))
    stats["seed"] = SEED
    return rows_out, stats


def try_near(o, i, want, rng, use, ecount, vocab, close, subst, names):
    src = o["text"]
    src_sig = signature(src)
    app = []
    for n in names:
        probe = {"rng": random.Random(i), "vocab": vocab, "use": use, "taken": []}
        r = NEAR_EDITS[n][0](src, probe)
        if r is not None and r != src:
            app.append(n)
    app_sub = [n for n in app if NEAR_EDITS[n][2]]
    if not app_sub:
        return None
    for attempt in range(40):
        ctx = {"rng": rng, "vocab": vocab, "use": use, "taken": []}
        k = want if attempt < 20 else (max(1, want - 1) if attempt < 32 else 1)
        pool = sorted(app_sub, key=lambda n: (ecount[n] + rng.random() * 4, n))
        chosen = [pool[0]]
        others = sorted(app, key=lambda n: (ecount[n] + rng.random() * 8, n))
        for n in others:
            if len(chosen) >= k:
                break
            if compatible(chosen, n):
                chosen.append(n)
        chosen.sort(key=lambda n: (NEAR_EDITS[n][1], names.index(n)))
        text = src
        applied = []
        for n in chosen:
            new = NEAR_EDITS[n][0](text, ctx)
            if new is None or new == text:
                continue
            text = new
            applied.append(n)
        if not any(NEAR_EDITS[n][2] for n in applied):
            continue
        if len(applied) != k:
            continue
        text = text.strip(" ")
        if exact_norm(text) == exact_norm(src) or norm_str(text) == o["ns"]:
            continue
        if signature(text) != src_sig:
            continue
        if recognisable_share(src, text) < 0.6:
            continue
        ok, own, oth = close.closest_is(text, i)
        if not ok:
            continue
        return text, applied, ctx["taken"]
    return None


def layout(origs, planted, rng):
    n = len(origs)
    items = []   # (key, tiebreak, payload)
    for i, o in enumerate(origs):
        items.append([float(i), 0, ("original", i, o["text"], [])])
    plist = list(planted)
    rng.shuffle(plist)
    far_flags = []
    srcs = [p[1] for p in plist]
    # sources late in the file cannot be 'far'
    eligible_far = [j for j, s in enumerate(srcs) if s < n - 80]
    rng.shuffle(eligible_far)
    far_set = set(eligible_far[:len(plist) // 2])
    offs = []
    for j, p in enumerate(plist):
        s = p[1]
        if j in far_set:
            off = 40 + rng.random() * (n - s - 40)
        else:
            off = 0.05 + rng.random() * 22
        offs.append(off)
    for _round in range(50):
        its = [it[:] for it in items]
        for j, p in enumerate(plist):
            its.append([p[1] + offs[j], 1 + j, p])
        its.sort(key=lambda x: (x[0], x[1]))
        posmap = {}
        for r, it in enumerate(its):
            posmap[it[1] if it[1] else ("o", int(it[0]))] = r
        bad = 0
        for j, p in enumerate(plist):
            g = posmap[1 + j] - posmap[("o", p[1])]
            if j in far_set and g <= CLOSE_MAX_GAP:
                offs[j] += 15
                bad += 1
            elif j not in far_set and g > CLOSE_MAX_GAP:
                offs[j] *= 0.6
                bad += 1
        if not bad:
            break
    else:
        sys.exit("layout did not converge")
    ids = {}
    out = []
    for r, it in enumerate(its):
        kind, s, text, edits = it[2]
        rid = "h%05d" % r
        if kind == "original":
            ids[s] = rid
            out.append({"id": rid, "text": text, "kind": "original", "source_id": "", "edits": []})
        else:
            out.append({"id": rid, "text": text, "kind": kind, "source_id": ids[s], "edits": list(edits)})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=DEFAULT_INPUT)
    ap.add_argument("--outdir", default=os.path.dirname(os.path.abspath(__file__)))
    a = ap.parse_args()
    rows, stats = build(a.input)
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, OUT_NAME), "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(os.path.join(a.outdir, "stats.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(stats, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(json.dumps(stats["counts"]), file=sys.stderr)


if __name__ == "__main__":
    main()
