#!/usr/bin/env python3
"""Synthetic posts for the campaign-analysis benchmark, in the QUT toolkit's
CSV, with the truth beside them.

Planted campaigns (groups of accounts posting variants of one text, or
reposting one post, within a few minutes, one to four times, hours or days
apart) among organic chatter (random sentences from a Zipf-like vocabulary,
at random times), replies and reposts of popular posts spread over days,
morning greetings said by hundreds ("buenos días"), and decoys: popular
quotes repeated by many people over the whole week. Campaign variants carry
the perturbations real campaigns use: accents dropped, a word changed, emoji
and mentions added, hashtags reordered, case changed; short campaign texts
(three to five words) are planted too.

Usage: bench/gen_posts.py N SEED OUT.csv TRUTH.json [WEEKS]
The truth: {"campaign_accounts": [user ids], "campaign_posts": [message ids],
"campaigns": N}. Deterministic for a given N and SEED. With WEEKS > 1, one
week of N / WEEKS posts is made and written WEEKS times, each a week later
with new message ids (the same accounts, campaigns repeated weekly): a
large input made quickly, for measuring memory as the input grows.
"""
import csv
import json
import random
import sys
import unicodedata

N, SEED, OUT, TRUTH = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
WEEKS = int(sys.argv[5]) if len(sys.argv) > 5 else 1
TOTAL = N
N = N // WEEKS
rng = random.Random(SEED)
START = 1_714_521_600  # 2024-05-01T00:00:00Z
WEEK = 7 * 86_400

SYLLABLES = ["ma", "lo", "re", "ca", "sa", "ti", "po", "ne", "gu", "ri", "da", "be", "so", "chi",
             "que", "lla", "ven", "tor", "mun", "pal", "cio", "ran", "des", "bra", "jo", "fé", "ñu", "ció"]
VOCAB = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)})
rng.shuffle(VOCAB)
# Zipf-like weights: common words are common.
WEIGHTS = [1.0 / (i + 1) ** 1.05 for i in range(len(VOCAB))]
ENTITIES = ["Puebla", "Jalisco", "CDMX", "Nuevo León", "Veracruz", "Oaxaca", "Chiapas", "Guerrero",
            "Sonora", "Yucatán", "Michoacán", "Tabasco", "Sinaloa", "Querétaro", "Edomex", "Zacatecas"]
EMOJI = ["🔥", "😡", "💥", "🇲🇽", "👉", "⚠️", "‼️"]
GREETINGS = ["buenos días", "Buenos días!", "buen día", "¡Buenos días a todos!"]

def sentence(lo, hi):
    return " ".join(rng.choices(VOCAB, WEIGHTS, k=rng.randint(lo, hi)))

def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")

def perturb(text, tags):
    """One variant of a campaign text: at most one perturbation of each kind."""
    words = text.split()
    if len(words) > 6 and rng.random() < 0.3:
        words[rng.randrange(len(words))] = rng.choice(VOCAB)
    t = " ".join(words)
    if rng.random() < 0.3:
        t = strip_accents(t)
    if rng.random() < 0.2:
        t = t.upper() if rng.random() < 0.5 else t.capitalize()
    tags = tags[:]
    if rng.random() < 0.5:
        rng.shuffle(tags)
    t = t + " " + " ".join("#" + h for h in tags)
    if rng.random() < 0.3:
        t = t + " " + rng.choice(EMOJI) * rng.randint(1, 3)
    if rng.random() < 0.3:
        t = "@" + rng.choice(VOCAB) + " " + t
    return t

rows = []  # (message_id, user_id, username, repost_id, reply_id, message, timestamp, urls)
next_id = [10**15]

def new_id():
    next_id[0] += rng.randint(1, 1000)
    return str(next_id[0])

truth_accounts, truth_posts = set(), set()

# Campaigns: about 8% of the posts.
n_campaigns = max(3, N // 2500)
next_user = [5_000_000]
popular_posts = [new_id() for _ in range(max(10, N // 5000))]
for c in range(n_campaigns):
    size = rng.randint(12, 40)
    accounts = []
    for _ in range(size):
        next_user[0] += 1
        name = rng.choice(VOCAB).capitalize()
        handle = f"{name}{rng.randint(10**7, 10**8 - 1)}" if rng.random() < 0.5 else f"{name}_{rng.randint(1, 999)}"
        accounts.append((str(next_user[0]), handle))
    kind = rng.random()
    short = kind < 0.1
    repost = 0.1 <= kind < 0.2
    base = sentence(3, 5) if short else sentence(9, 22)
    place = rng.choice(ENTITIES)
    if not short:
        words = base.split()
        words.insert(rng.randrange(len(words)), place)
        base = " ".join(words)
    tags = rng.sample(["Saqueo", "Despensa", "TodosALaCalle", "YaBasta", "Fraude", place.replace(" ", "")], k=rng.randint(1, 3))
    target = rng.choice(popular_posts)
    rounds = rng.randint(1, 4)
    t0 = START + rng.randrange(WEEK - 5 * 86_400)
    for r in range(rounds):
        spread = rng.randint(30, 300)
        members = accounts if short else rng.sample(accounts, k=max(8, int(len(accounts) * rng.uniform(0.7, 1.0))))
        for uid, handle in members:
            t = t0 + rng.randrange(spread)
            mid = new_id()
            if repost:
                rows.append((mid, uid, handle, target, "", "", t, ""))
            else:
                text = (base + " " + " ".join("#" + h for h in tags)) if short else perturb(base, tags)
                rows.append((mid, uid, handle, "", "", text, t, ""))
            truth_posts.add(mid)
            truth_accounts.add(uid)
        t0 += rng.randint(3 * 3600, 36 * 3600)

# Decoys: popular quotes repeated by many people over the whole week.
n_quotes = max(2, N // 20_000)
organic_users = max(1000, N // 4)
def organic_user():
    u = rng.randrange(organic_users)
    return str(100_000 + u), f"persona_{u}"
for q in range(n_quotes):
    quote = sentence(10, 18)
    for _ in range(rng.randint(200, 2000)):
        uid, handle = organic_user()
        text = quote if rng.random() < 0.7 else perturb(quote, [])
        rows.append((new_id(), uid, handle, "", "", text, START + rng.randrange(WEEK), ""))

# Morning greetings: each day, hundreds say good morning between 7 and 9.
for day in range(7):
    for _ in range(max(50, N // 700)):
        uid, handle = organic_user()
        t = START + day * 86_400 + 13 * 3600 + rng.randrange(2 * 3600)  # 7-9 am in Mexico City
        rows.append((new_id(), uid, handle, "", "", rng.choice(GREETINGS), t, ""))

# Organic chatter, replies and reposts of popular posts over the week, to fill N.
while len(rows) < N:
    uid, handle = organic_user()
    t = START + rng.randrange(WEEK)
    r = rng.random()
    if r < 0.08:
        rows.append((new_id(), uid, handle, rng.choice(popular_posts), "", "", t, ""))
    elif r < 0.16:
        rows.append((new_id(), uid, handle, "", rng.choice(popular_posts), sentence(3, 15), t, ""))
    else:
        text = sentence(4, 25)
        if rng.random() < 0.1:
            text += " https://example.com/" + rng.choice(VOCAB)
        rows.append((new_id(), uid, handle, "", "", text, t, ""))

rows.sort(key=lambda r: (r[6], r[0]))
all_posts = set()
with open(OUT, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"])
    for week in range(WEEKS):
        if week == 0:
            w.writerows(rows)
            all_posts |= truth_posts
            continue
        shift = week * WEEK
        for (mid, uid, handle, rep, rpl, msg, ts, urls) in rows:
            w.writerow((f"{mid}{week:02d}", uid, handle, rep, rpl, msg, ts + shift, urls))
        all_posts |= {f"{m}{week:02d}" for m in truth_posts}
with open(TRUTH, "w") as f:
    json.dump({"campaigns": n_campaigns * WEEKS, "campaign_accounts": sorted(truth_accounts),
               "campaign_posts": sorted(all_posts)}, f)
print(f"{len(rows) * WEEKS} posts, {n_campaigns * WEEKS} campaigns, {len(all_posts)} campaign posts by {len(truth_accounts)} accounts", file=sys.stderr)
