#!/usr/bin/env python3
"""Generate a large, realistic Braze Currents payload from assets/currents-catalogue.json.

The output is what a Currents HTTP connector would have POSTed over time, stored as JSON Lines: one
{"events":[...]} request body of 100 events per line. Every event type of the catalogue that Braze still
sends over HTTP can appear, with the skew of a real workspace (message sends/deliveries/opens, sessions and
custom events dominate; SMS, LINE, WhatsApp, webhooks and agent events are rare). Required and expected
fields are always filled, optional ones often enough to look like real traffic, and values have the JSON
type of the catalogue and the formats tdbraze checks (UUIDs, Braze user ids, IANA zones, E.164 phones,
platform names). The same --seed and --now give the same bytes.

    python3 generate_payload.py --size-mb 100 -o currents-100mb.jsonl
    python3 generate_payload.py --size-mb 1 --pretty -o one-envelope.json
    python3 generate_payload.py --td-postback --events 1000000 -o to-treasure-data.jsonl

--td-postback makes what Braze's Treasure Data connector sends: only users with an external_user_id (Braze
sends Treasure Data no others, so the two event types without one are left out too) and times within
Treasure Data's window (the 6 days before --now), so that `tdbraze send currents` to a Postback URL skips
and warns about nothing. Without it the output is the same bytes as before the option existed.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "assets" / "currents-catalogue.json"
TIMEZONES = REPO / "assets" / "iana-timezones.txt"

DEFAULT_NOW = 1793491200  # 2026-11-01T00:00:00Z: fixed so that the output does not depend on the clock
EVENTS_PER_BATCH = 100  # what Braze puts in one request at most
YEAR = 365 * 86400
MB = 1_000_000

# Relative frequency of event types in a busy workspace (per 1000 events, roughly). Types not listed get
# DEFAULT_WEIGHT: present, but rare. Email and push volumes are driven by sends, so sends and deliveries
# outnumber opens, and opens outnumber clicks.
WEIGHTS = {
    "users.messages.email.Send": 120,
    "users.messages.email.Delivery": 112,
    "users.messages.email.Open": 80,
    "users.messages.email.Click": 18,
    "users.messages.email.Deferral": 4,
    "users.messages.email.SoftBounce": 3,
    "users.messages.email.Bounce": 2,
    "users.messages.email.Unsubscribe": 1.5,
    "users.messages.email.MarkAsSpam": 0.3,
    "users.messages.pushnotification.Send": 90,
    "users.messages.pushnotification.Open": 14,
    "users.messages.pushnotification.IosForeground": 3,
    "users.messages.pushnotification.Bounce": 2,
    "users.messages.inappmessage.Impression": 50,
    "users.messages.inappmessage.Click": 9,
    "users.behaviors.CustomEvent": 120,
    "users.behaviors.Purchase": 20,
    "users.behaviors.app.SessionStart": 85,
    "users.behaviors.app.SessionEnd": 80,
    "users.behaviors.app.FirstSession": 2,
    "users.behaviors.Location": 6,
    "users.behaviors.InstallAttribution": 1,
    "users.behaviors.Uninstall": 1,
    "users.behaviors.pushnotification.TokenStateChange": 5,
    "users.behaviors.subscription.GlobalStateChange": 2,
    "users.behaviors.subscriptiongroup.StateChange": 3,
    "users.messages.contentcard.Send": 14,
    "users.messages.contentcard.Impression": 16,
    "users.messages.contentcard.Click": 3,
    "users.messages.contentcard.Dismiss": 2,
    "users.messages.banner.Impression": 8,
    "users.messages.banner.Click": 1,
    "users.messages.featureflag.Impression": 6,
    "users.canvas.Entry": 12,
    "users.canvasstep.Progression": 10,
    "users.canvas.Conversion": 3,
    "users.campaigns.Conversion": 3,
    "users.campaigns.EnrollInControl": 1,
    "users.messages.sms.Send": 8,
    "users.messages.sms.CarrierSend": 7,
    "users.messages.sms.Delivery": 7,
    "users.messages.webhook.Send": 5,
    "users.messages.line.Send": 3,
    "users.messages.whatsapp.Send": 2,
    "users.messages.whatsapp.Delivery": 2,
    "users.messages.whatsapp.Read": 1.5,
    "users.profile.Update": 2,
}
DEFAULT_WEIGHT = 0.3

# How often an optional field is present when it applies. Braze fills the app and device context of SDK
# events almost always, attribution ids seldom; everything else about half the time.
OPTIONAL_SHARE = {
    "app_group_id": 0.97, "app_id": 0.9, "platform": 0.9, "device_model": 0.8, "os_version": 0.8,
    "send_id": 0.6, "dispatch_id": 0.85, "email_address": 0.95, "session_id": 0.9, "ad_id": 0.15,
    "ad_id_type": 0.15, "ad_tracking_enabled": 0.15, "message_extras": 0.2, "custom_properties": 0.75,
    "purchase_properties": 0.5, "abort_log": 0.9, "abort_type": 0.9,
}
DEFAULT_OPTIONAL_SHARE = 0.5
NULL_SHARE = 0.03  # Avro-sourced relays send some absent optional fields as null rather than omitting them

# Fields that identify the campaign or the Canvas behind a message: an event has one context or the other.
CAMPAIGN_FIELDS = {"campaign_id", "campaign_name", "message_variation_id", "message_variation_name"}
CANVAS_FIELDS = {
    "canvas_id", "canvas_name", "canvas_step_id", "canvas_step_name", "canvas_variation_id",
    "canvas_variation_name", "canvas_step_message_variation_id", "canvas_api_id", "canvas_step_api_id",
    "canvas_variation_api_id", "canvas_step_message_variation_api_id",
}

# (time zone, country, language, phone country code, national number length, share of users)
LOCALES = [
    ("America/New_York", "US", "en", "1", 10, 14), ("America/Chicago", "US", "en", "1", 10, 8),
    ("America/Los_Angeles", "US", "en", "1", 10, 10), ("America/Denver", "US", "en", "1", 10, 3),
    ("America/Toronto", "CA", "en", "1", 10, 3), ("America/Mexico_City", "MX", "es", "52", 10, 3),
    ("America/Sao_Paulo", "BR", "pt", "55", 11, 5), ("Europe/London", "GB", "en", "44", 10, 7),
    ("Europe/Berlin", "DE", "de", "49", 11, 5), ("Europe/Paris", "FR", "fr", "33", 9, 4),
    ("Europe/Madrid", "ES", "es", "34", 9, 2), ("Europe/Amsterdam", "NL", "nl", "31", 9, 2),
    ("Asia/Tokyo", "JP", "ja", "81", 10, 14), ("Asia/Seoul", "KR", "ko", "82", 10, 3),
    ("Asia/Shanghai", "CN", "zh", "86", 11, 1), ("Asia/Singapore", "SG", "en", "65", 8, 2),
    ("Asia/Bangkok", "TH", "th", "66", 9, 1), ("Asia/Jakarta", "ID", "id", "62", 10, 2),
    ("Asia/Kolkata", "IN", "hi", "91", 10, 3), ("Australia/Sydney", "AU", "en", "61", 9, 3),
    ("UTC", "US", "en", "1", 10, 1),
]

IOS_MODELS = ["iPhone15,2", "iPhone15,3", "iPhone16,1", "iPhone16,2", "iPhone17,1", "iPhone14,5", "iPad13,18"]
ANDROID_MODELS = ["Pixel 8", "Pixel 9 Pro", "SM-S921B", "SM-A546E", "SO-51D", "SH-53D", "moto g 5G", "2312DRA50G"]
WEB_BROWSERS = ["Chrome", "Safari", "Firefox", "Edge"]
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
]
CAMPAIGN_NAMES = [
    "Welcome series 1", "Cart abandonment", "Weekly newsletter", "Black Friday teaser", "Spring sale",
    "Re-engagement 30d", "Price drop alert", "Back in stock", "Loyalty tier upgrade", "Birthday coupon",
    "秋の新作コレクション", "ポイント失効のお知らせ", "Onboarding tip 3", "Survey invite", "App update available",
    "Holiday gift guide", "Winback 90d", "Password reset reminder", "Order shipped", "Review request",
]
CANVAS_NAMES = [
    "Onboarding journey", "Abandoned browse", "Post-purchase cross-sell", "Lapsed user winback",
    "Subscription renewal", "会員登録フォロー", "Trial conversion", "VIP nurture", "Event countdown",
]
STEP_NAMES = ["Entry email", "Wait 1 day", "Push reminder", "Decision split", "In-app offer", "Final nudge", "SMS follow-up"]
CUSTOM_EVENTS = {
    "viewed_product": lambda r: {"sku": f"SKU-{r.randrange(10000):05d}", "category": r.choice(["shoes", "bags", "outerwear", "beauty"])},
    "added_to_cart": lambda r: {"sku": f"SKU-{r.randrange(10000):05d}", "quantity": r.randint(1, 3), "price": round(r.uniform(5, 300), 2)},
    "search": lambda r: {"query": r.choice(["sneakers", "rain jacket", "スニーカー", "gift card", "sale"]), "results": r.randrange(0, 200)},
    "added_to_wishlist": lambda r: {"sku": f"SKU-{r.randrange(10000):05d}"},
    "checkout_started": lambda r: {"items": r.randint(1, 6), "value": round(r.uniform(10, 800), 2), "coupon": r.random() < 0.2},
    "level_completed": lambda r: {"level": r.randint(1, 120), "stars": r.randint(0, 3)},
    "video_played": lambda r: {"video_id": f"v{r.randrange(100000)}", "seconds": r.randrange(3, 1800)},
    "shared_content": lambda r: {"network": r.choice(["line", "x", "instagram", "facebook"])},
}
PRODUCTS = [("TD-42", 4800, "JPY"), ("sub_monthly", 9.99, "USD"), ("coins_500", 4.99, "USD"), ("PREMIUM-1Y", 79.0, "EUR"),
            ("gift_card_50", 50, "GBP"), ("SKU-00017", 129.5, "USD"), ("TD-7", 1980, "JPY")]
MAILBOX_PROVIDERS = ["Gmail", "Yahoo", "Outlook", "Apple", "docomo", "au", "Other"]
EMAIL_DOMAINS = ["gmail.com", "yahoo.co.jp", "outlook.com", "icloud.com", "docomo.ne.jp", "example.com", "gmx.de"]


class Generator:
    def __init__(self, catalogue: dict, seed: int, now: int, td_postback: bool = False):
        self.r = random.Random(seed)
        self.now = now
        self.td_postback = td_postback
        zones = set()
        if TIMEZONES.exists():
            zones = {line.strip() for line in TIMEZONES.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#")}
        # A zone missing from tdbraze's list would turn into timezone-format warnings: better not to use it.
        self.locales = [loc for loc in LOCALES if not zones or loc[0] in zones]
        self.locale_cum_weights = list(itertools.accumulate(loc[5] for loc in self.locales))

        # Types Braze no longer emits or never sends over HTTP would not be in an HTTP connector's traffic.
        self.types = [name for name, spec in catalogue.items() if not spec.get("retired") and spec.get("http", True)]
        if td_postback:  # types whose events carry no external id (deletions, agent tools) never reach Treasure Data
            self.types = [name for name in self.types if "external_user_id" in catalogue[name]["user"]]
        self.type_cum_weights = list(itertools.accumulate(WEIGHTS.get(name, DEFAULT_WEIGHT) for name in self.types))
        self.plans = {name: self._plan(catalogue[name]) for name in self.types}

        r = self.r
        self.app_group_id = self.uuid()
        self.apps = {"ios": self.uuid(), "android": self.uuid(), "web": self.uuid()}
        self.campaigns = [(self.uuid(), name, [(self.uuid(), v) for v in ("Variant 1", "Variant 2", "Control")])
                          for name in CAMPAIGN_NAMES]
        self.canvases = [(self.uuid(), name, [(self.uuid(), s) for s in r.sample(STEP_NAMES, 4)],
                          [(self.uuid(), v) for v in ("Variant 1", "Variant 2")]) for name in CANVAS_NAMES]
        self.subscription_groups = [self.uuid() for _ in range(6)]
        self.users = [self._user(i) for i in range(20000)]

    # --- identifiers -------------------------------------------------------------------------------------
    def uuid(self) -> str:
        """A random (version 4) UUID drawn from the seeded generator, so that runs are reproducible."""
        h = "%032x" % self.r.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def hex24(self, t: int) -> str:
        # Braze ids are MongoDB ObjectIds: 4 bytes of creation time, then 8 random bytes.
        return "%08x%016x" % (t & 0xFFFFFFFF, self.r.getrandbits(64))

    def _user(self, i: int) -> dict:
        r = self.r
        loc = r.choices(self.locales, cum_weights=self.locale_cum_weights)[0]
        zone, country, language, cc, digits, _ = loc
        platform = r.choices(["ios", "android", "web"], [45, 40, 15])[0]
        created = self.now - r.randrange(3 * YEAR)
        first = "789"[r.randrange(3)] if cc == "81" else str(r.randint(2, 9))
        phone = "+" + cc + first + "".join(str(r.randrange(10)) for _ in range(digits - 1))
        external = f"cust-{r.randrange(10**8):08d}" if r.random() < 0.85 else None
        if external is None and self.td_postback:  # drawn after the default's draws: those bytes stay the same
            external = f"cust-{r.randrange(10**8):08d}"
        return {
            "user_id": self.hex24(created), "external_user_id": external, "timezone": zone if r.random() < 0.92 else None,
            "device_id": self.uuid() if platform != "web" else None, "platform": platform, "country": country,
            "language": language, "phone": phone, "email": f"user{i}@{r.choice(EMAIL_DOMAINS)}",
            "model": r.choice(IOS_MODELS if platform == "ios" else ANDROID_MODELS) if platform != "web" else r.choice(WEB_BROWSERS),
            "os": (f"iOS {r.choice(['17.6', '18.0', '18.1', '18.2'])}" if platform == "ios" else
                   f"Android {r.choice(['13', '14', '15'])}" if platform == "android" else r.choice(["macOS", "Windows", "Linux"])),
            "push_token": "%064x" % r.getrandbits(256) if platform == "ios" else
                          f"f{r.getrandbits(120):030x}:APA91b{r.getrandbits(200):050x}",
            "created": created,
        }

    # --- per event type ----------------------------------------------------------------------------------
    def _plan(self, spec: dict):
        """The fields of one event type as (name, json_type, presence) lists, looked up once, not per event,
        and whether a message of this type can come from a campaign or a Canvas (it names one of them)."""
        props = spec["properties"]
        return ([(f, s["json_type"], s["presence"]) for f, s in spec["user"].items()],
                [(f, s["json_type"], s["presence"]) for f, s in props.items()],
                "campaign_id" in props and "canvas_id" in props)

    def event(self, t: int) -> dict:
        r = self.r
        name = r.choices(self.types, cum_weights=self.type_cum_weights)[0]
        user_plan, prop_plan, has_both = self.plans[name]
        # Active users generate most events: a few heavy users, a long tail of occasional ones.
        u = self.users[int(len(self.users) * r.random() ** 2.5)]
        ctx = {"name": name, "user": u, "time": t, "platform": u["platform"]}
        ctx["via"] = ("canvas" if r.random() < 0.55 else "campaign") if has_both else None
        ctx["campaign"] = campaign = r.choice(self.campaigns)
        ctx["variation"] = r.choice(campaign[2])
        ctx["canvas"] = canvas = r.choice(self.canvases)
        ctx["step"] = r.choice(canvas[2])
        ctx["cvariation"] = r.choice(canvas[3])

        user = {}
        for field, jtype, presence in user_plan:
            v = u.get(field)
            if presence != "optional" and v is None:
                v = self.value(field, jtype, ctx)
            if v is not None:
                user[field] = v
        props = {}
        for field, jtype, presence in prop_plan:
            if presence == "optional":
                if field in CAMPAIGN_FIELDS and ctx["via"] == "canvas":
                    continue
                if field in CANVAS_FIELDS and ctx["via"] == "campaign":
                    continue
                if field not in CAMPAIGN_FIELDS and field not in CANVAS_FIELDS and \
                        r.random() >= OPTIONAL_SHARE.get(field, DEFAULT_OPTIONAL_SHARE):
                    continue
                if r.random() < NULL_SHARE:
                    props[field] = None
                    continue
            props[field] = self.value(field, jtype, ctx)
        return {"event_type": name, "id": self.uuid(), "time": t, "user": user, "properties": props}

    def value(self, field: str, jtype: str, ctx: dict):
        r = self.r
        u = ctx["user"]
        make = FIELD_VALUES.get(field)
        if make is not None:
            return make(self, r, ctx, u)
        # Anything not listed above, by its JSON type and the shape its name suggests.
        if jtype == "string":
            if field.endswith("_api_id") or field.endswith("_step_id"):
                return self.uuid()
            if field.endswith("_id"):
                return "%024x" % r.getrandbits(96)
            if field.endswith("_name"):
                return f"{field[:-5].replace('_', ' ').title()} {r.randint(1, 40)}"
            return f"{field}_{r.randrange(1000)}"
        if jtype == "integer":
            return r.randrange(0, 5000)
        if jtype == "number":
            return round(r.uniform(0, 1000), 3)
        if jtype == "boolean":
            return r.random() < 0.2
        if jtype == "object":
            return {"key": f"value{r.randrange(100)}"}
        if jtype == "array<string>":
            return [f"item{r.randrange(100)}"]
        raise ValueError(f"catalogue has a json_type the generator does not know: {jtype}")


def _choice(options):
    return lambda g, r, ctx, u: r.choice(options)


def _campaign_or_canvas_id(g, r, ctx, u):
    return ctx["campaign"][0] if "campaign" in ctx else ctx["canvas"][0]


# Field name -> value. Ids that Braze makes are UUIDs or ObjectIds; human text is short and occasionally
# Japanese (Treasure Data's users are), so multi-byte UTF-8 is part of the input as in real traffic.
FIELD_VALUES = {
    "user_id": lambda g, r, ctx, u: u["user_id"],
    "external_user_id": lambda g, r, ctx, u: u["external_user_id"] or f"cust-{r.randrange(10**8):08d}",
    "device_id": lambda g, r, ctx, u: u["device_id"] or g.uuid(),
    "timezone": lambda g, r, ctx, u: u["timezone"] or "UTC",
    "app_group_id": lambda g, r, ctx, u: g.app_group_id,
    "app_group_api_id": lambda g, r, ctx, u: g.app_group_id,
    "app_id": lambda g, r, ctx, u: g.apps[u["platform"]],
    "platform": lambda g, r, ctx, u: u["platform"],
    "device_model": lambda g, r, ctx, u: u["model"],
    "os_version": lambda g, r, ctx, u: u["os"],
    "sdk_version": _choice(["5.13.0", "6.1.0", "10.3.1", "32.1.0", "11.0.0"]),
    "campaign_id": lambda g, r, ctx, u: ctx["campaign"][0],
    "campaign_name": lambda g, r, ctx, u: ctx["campaign"][1],
    "message_variation_id": lambda g, r, ctx, u: ctx["variation"][0],
    "message_variation_name": lambda g, r, ctx, u: ctx["variation"][1],
    "canvas_id": lambda g, r, ctx, u: ctx["canvas"][0],
    "canvas_api_id": lambda g, r, ctx, u: ctx["canvas"][0],
    "canvas_name": lambda g, r, ctx, u: ctx["canvas"][1],
    "canvas_step_id": lambda g, r, ctx, u: ctx["step"][0],
    "canvas_step_api_id": lambda g, r, ctx, u: ctx["step"][0],
    "canvas_step_name": lambda g, r, ctx, u: ctx["step"][1],
    "canvas_variation_id": lambda g, r, ctx, u: ctx["cvariation"][0],
    "canvas_variation_api_id": lambda g, r, ctx, u: ctx["cvariation"][0],
    "canvas_variation_name": lambda g, r, ctx, u: ctx["cvariation"][1],
    "canvas_step_message_variation_id": lambda g, r, ctx, u: g.uuid(),
    "canvas_step_message_variation_api_id": lambda g, r, ctx, u: g.uuid(),
    "canvas_entry_id": lambda g, r, ctx, u: g.uuid(),
    "next_step_id": lambda g, r, ctx, u: g.uuid(),
    "experiment_step_id": lambda g, r, ctx, u: g.uuid(),
    "experiment_split_id": lambda g, r, ctx, u: g.uuid(),
    "experiment_split_name": _choice(["Path A", "Path B", "Control"]),
    "content_optimizer_step_id": lambda g, r, ctx, u: g.uuid(),
    "combination_token": lambda g, r, ctx, u: "%032x" % r.getrandbits(128),
    "subscription_group_id": lambda g, r, ctx, u: r.choice(g.subscription_groups),
    "dispatch_id": lambda g, r, ctx, u: g.hex24(ctx["time"] - r.randrange(600)),
    "send_id": lambda g, r, ctx, u: f"{_campaign_or_canvas_id(g, r, ctx, u)[:8]}-{ctx['time'] // 86400}",
    "session_id": lambda g, r, ctx, u: g.uuid(),
    "card_id": lambda g, r, ctx, u: "%024x" % r.getrandbits(96),
    "content_card_id": lambda g, r, ctx, u: "%024x" % r.getrandbits(96),
    "banner_placement_id": _choice(["home_top", "cart_banner", "profile_footer"]),
    "email_address": lambda g, r, ctx, u: u["email"],
    # The user's own number, and the numbers the business sends from (US 555 long codes).
    "phone_number": lambda g, r, ctx, u: u["phone"],
    "user_phone_number": lambda g, r, ctx, u: u["phone"],
    "to_phone_number": lambda g, r, ctx, u: u["phone"],
    "from_phone_number": lambda g, r, ctx, u: "+1" + str(r.randint(201, 989)) + "555" + "%04d" % r.randrange(10000),
    "inbound_phone_number": lambda g, r, ctx, u: "+1" + str(r.randint(201, 989)) + "555" + "%04d" % r.randrange(10000),
    "from_domain": _choice(["mail.example-shop.com", "news.example-shop.com"]),
    "ip_pool": _choice(["default", "transactional", "marketing"]),
    "sending_ip": lambda g, r, ctx, u: f"198.51.100.{r.randrange(1, 255)}",
    "esp": _choice(["SendGrid", "SparkPost", "Amazon SES"]),
    "mailbox_provider": _choice(MAILBOX_PROVIDERS),
    "user_agent": _choice(USER_AGENTS),
    "machine_open": _choice(["true", "false"]),
    "is_amp": lambda g, r, ctx, u: r.random() < 0.05,
    "device_class": _choice(["Desktop", "Mobile", "Tablet"]),
    "device_os": _choice(["iOS", "Android", "Windows", "macOS"]),
    "browser": _choice(["Safari", "Chrome", "Firefox", "Edge"]),
    "url": lambda g, r, ctx, u: f"https://www.example-shop.com/{r.choice(['sale', 'new', 'cart', 'p'])}/{r.randrange(10000)}?utm_source=braze",
    "short_url": lambda g, r, ctx, u: f"https://brz.ai/{r.getrandbits(40):010x}",
    "link_id": lambda g, r, ctx, u: f"{r.getrandbits(24):06x}",
    "link_alias": _choice(["hero_cta", "footer_unsubscribe", "product_1", "product_2"]),
    "bounce_reason": _choice(["550 5.1.1 The email account that you tried to reach does not exist",
                              "552 5.2.2 Mailbox full", "421 4.7.0 Try again later"]),
    "deferral_reason": _choice(["421 4.7.28 rate limited", "451 4.3.0 Temporary server error"]),
    "recipient_domain": lambda g, r, ctx, u: u["email"].split("@")[1],
    "attempt_count": lambda g, r, ctx, u: r.randint(1, 5),
    "is_drop": lambda g, r, ctx, u: r.random() < 0.1,
    "is_suspected_bot_click": lambda g, r, ctx, u: r.random() < 0.04,
    "suspected_bot_click_reason": lambda g, r, ctx, u: r.sample(["user_agent", "ip_address", "click_timing"], r.randint(0, 2)),
    "abort_type": _choice(["liquid_abort_message", "rate_limit", "quiet_hours", "frequency_capping"]),
    "abort_log": _choice(["abort_message: not in stock region", "Rate limit exceeded for campaign", "Outside delivery window"]),
    "retry_type": _choice(["rate_limited", "provider_error", "timeout"]),
    "retry_log": _choice(["429 Too Many Requests", "503 Service Unavailable", "connection reset"]),
    "push_token": lambda g, r, ctx, u: u["push_token"],
    "push_token_device_id": lambda g, r, ctx, u: u["device_id"] or g.uuid(),
    "push_token_state_change_type": _choice(["add", "update", "remove"]),
    "push_token_created_at": lambda g, r, ctx, u: max(u["created"], ctx["time"] - YEAR),
    "push_token_updated_at": lambda g, r, ctx, u: ctx["time"] - r.randrange(86400),
    "time_ms": lambda g, r, ctx, u: ctx["time"] * 1000 + r.randrange(1000),
    "ios_push_token_apns_gateway": lambda g, r, ctx, u: r.choice([1, 2]),
    "locale_key": lambda g, r, ctx, u: f"{u['language']}-{u['country']}",
    "language": lambda g, r, ctx, u: u["language"],
    "country": lambda g, r, ctx, u: u["country"],
    "gender": _choice(["F", "M", "O", "N", "P", "U"]),
    "carrier": _choice(["NTT DOCOMO", "SoftBank", "KDDI", "Verizon", "T-Mobile", "Vodafone"]),
    "resolution": _choice(["1170x2532", "1080x2400", "1290x2796", "1920x1080"]),
    "ad_id": lambda g, r, ctx, u: g.uuid().upper(),
    "ad_id_type": lambda g, r, ctx, u: "ios_idfa" if u["platform"] == "ios" else "google_ad_id",
    "ad_tracking_enabled": lambda g, r, ctx, u: r.random() < 0.3,
    "name": lambda g, r, ctx, u: ctx.setdefault("custom", r.choice(list(CUSTOM_EVENTS))),
    "custom_properties": lambda g, r, ctx, u: CUSTOM_EVENTS[ctx.setdefault("custom", r.choice(list(CUSTOM_EVENTS)))](r),
    "product_id": lambda g, r, ctx, u: ctx.setdefault("product", r.choice(PRODUCTS))[0],
    "price": lambda g, r, ctx, u: ctx.setdefault("product", r.choice(PRODUCTS))[1],
    "currency": lambda g, r, ctx, u: ctx.setdefault("product", r.choice(PRODUCTS))[2],
    "purchase_properties": lambda g, r, ctx, u: {"quantity": r.randint(1, 3), "gift": r.random() < 0.1},
    "duration": lambda g, r, ctx, u: (round(r.uniform(2, 1800), 3) if ctx["name"].endswith("SessionEnd")
                                      else r.randrange(50, 30000)),
    "latitude": lambda g, r, ctx, u: round(r.uniform(-60, 70), 6),
    "longitude": lambda g, r, ctx, u: round(r.uniform(-180, 180), 6),
    "altitude": lambda g, r, ctx, u: round(r.uniform(0, 400), 1),
    "ll_accuracy": lambda g, r, ctx, u: round(r.uniform(3, 80), 1),
    "alt_accuracy": lambda g, r, ctx, u: round(r.uniform(3, 30), 1),
    "source": _choice(["Organic", "Google Ads", "Meta", "TikTok"]),
    "subscription_status": _choice(["Subscribed", "Unsubscribed", "Opted In"]),
    "state_change_source": _choice(["SDK", "REST API", "CSV Import", "Preference Center"]),
    "channel": _choice(["email", "sms", "push", "whatsapp"]),
    "channel_identifier": lambda g, r, ctx, u: u["email"],
    "in_control_group": lambda g, r, ctx, u: r.random() < 0.1,
    "is_canvas_entry": lambda g, r, ctx, u: r.random() < 0.2,
    "progression_type": _choice(["action_path", "audience_path", "delay", "decision_split", "message"]),
    "exit_reason": _choice(["exit_criteria", "end_of_canvas"]),
    "conversion_behavior": lambda g, r, ctx, u: json.dumps({"type": "performed_custom_event", "name": "checkout_started"}),
    "conversion_behavior_index": lambda g, r, ctx, u: r.randrange(3),
    "message_extras": lambda g, r, ctx, u: json.dumps({"coupon": f"SAVE{r.randrange(5, 50)}"}),
    "message_body": _choice(["STOP", "YES", "Where is my order?", "はい", "HELP", "Thanks!"]),
    "action": _choice(["subscribed", "unsubscribed", "help", "other"]),
    "media_urls": lambda g, r, ctx, u: [f"https://media.example-shop.com/in/{r.getrandbits(48):012x}.jpg"] if r.random() < 0.2 else [],
    "category": _choice(["marketing", "transactional"]),
    "is_sms_fallback": lambda g, r, ctx, u: r.random() < 0.05,
    "provider_error_code": _choice(["30003", "30005", "131026"]),
    "provider_error_title": _choice(["Message undeliverable", "Re-engagement message"]),
    "error": _choice(["Unreachable destination handset", "Unknown destination handset"]),
    "from_rcs_sender": _choice(["example_shop_agent"]),
    "to_rcs_sender": _choice(["example_shop_agent"]),
    "line_channel_id": _choice(["1657000001", "1657000002"]),
    "line_channel_name": _choice(["Example Shop 公式", "Example Shop Support"]),
    "native_line_id": lambda g, r, ctx, u: "U%032x" % r.getrandbits(128),
    "template_name": _choice(["order_update", "appointment_reminder", "welcome_offer"]),
    "message_id": lambda g, r, ctx, u: f"wamid.{r.getrandbits(160):040x}",
    "bsuid": lambda g, r, ctx, u: "%032x" % r.getrandbits(128),
    "http_status_code": _choice([400, 401, 404, 500, 502, 503]),
    "host": _choice(["hooks.example-shop.com"]),
    "url_path": _choice(["/braze/webhook", "/v1/events"]),
    "endpoint_url": _choice(["https://hooks.example-shop.com/braze/webhook"]),
    "webhook_failure_source": _choice(["response", "connection"]),
    "agent_id": lambda g, r, ctx, u: g.uuid(),
    "agent_name": _choice(["Product recommender", "Copy assistant"]),
    "model_name": _choice(["gpt-4o-mini", "claude-3-5-haiku", "gemini-1.5-flash"]),
    "model_provider": _choice(["openai", "anthropic", "google"]),
    "invocation_id": lambda g, r, ctx, u: g.uuid(),
    "request_id": lambda g, r, ctx, u: g.uuid(),
    "tool_call_id": lambda g, r, ctx, u: f"call_{r.getrandbits(96):024x}",
    "tool_name": _choice(["lookup_catalog", "get_user_profile"]),
    "tool_arguments": lambda g, r, ctx, u: json.dumps({"sku": f"SKU-{r.randrange(10000):05d}"}),
    "is_error": lambda g, r, ctx, u: r.random() < 0.02,
    "first_name": _choice(["Hanako", "Taro", "Emma", "Liam", "Sofia"]),
    "last_name": _choice(["Yamada", "Suzuki", "Smith", "Garcia", "Müller"]),
    "dob": lambda g, r, ctx, u: f"{r.randint(1950, 2008)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "home_city": _choice(["Tokyo", "Osaka", "New York", "London", "Berlin"]),
    "update_source": _choice(["SDK", "REST API", "CSV Import"]),
    "orphaned_by_id": lambda g, r, ctx, u: g.hex24(ctx["time"] - r.randrange(YEAR)),
    "archived": lambda g, r, ctx, u: r.random() < 0.01,
    "custom_attributes": lambda g, r, ctx, u: json.dumps({"loyalty_tier": r.choice(["bronze", "silver", "gold"]),
                                                          "newsletter": r.random() < 0.6}),
    "button_id": _choice(["0", "1"]),
    "button_string": _choice(["View offer", "Later", "詳しく見る"]),
    "button_action_type": _choice(["uri", "news_feed", "close"]),
    "feature_flag_id_name": _choice(["new_checkout", "dark_mode", "recs_v2"]),
    "version": _choice(["1", "2", "3"]),
    "interaction_type": _choice(["url_click", "suggested_reply", "suggested_action"]),
    "element_type": _choice(["button", "link", "chip"]),
    "element_label": _choice(["Track order", "Shop now", "Talk to us"]),
    "flow_id": lambda g, r, ctx, u: str(r.randrange(10**15, 10**16)),
    "flow_response_json": lambda g, r, ctx, u: json.dumps({"rating": r.randint(1, 5)}),
    "in_reply_to": lambda g, r, ctx, u: f"wamid.{r.getrandbits(160):040x}",
    "quick_reply_text": _choice(["Yes", "No", "Stop promotions"]),
    "catalog_id": lambda g, r, ctx, u: str(r.randrange(10**14, 10**15)),
    "media_id": lambda g, r, ctx, u: str(r.randrange(10**17, 10**18)),
    "activity_id": lambda g, r, ctx, u: f"order-{r.randrange(10**6):06d}",
    "activity_attributes_type": _choice(["DeliveryAttributes", "ScoreAttributes"]),
    "live_activity_event_type": _choice(["update", "end", "start"]),
    "live_activity_event_outcome": _choice(["sent", "failed"]),
    "push_to_start_token": lambda g, r, ctx, u: "%064x" % r.getrandbits(256),
    "update_token": lambda g, r, ctx, u: "%064x" % r.getrandbits(256),
    "push_token_foreground_push_disabled": lambda g, r, ctx, u: r.random() < 0.05,
    "push_token_provisionally_opted_in": lambda g, r, ctx, u: r.random() < 0.1,
    "web_push_token_public_key": lambda g, r, ctx, u: "B" + "%086x" % r.getrandbits(344),
    "web_push_token_user_auth": lambda g, r, ctx, u: "%032x" % r.getrandbits(128),
    "web_push_token_vapid_public_key": lambda g, r, ctx, u: "B" + "%086x" % r.getrandbits(344),
    "retry_count": lambda g, r, ctx, u: r.randint(0, 5),
    "content_length": lambda g, r, ctx, u: r.randrange(0, 2048),
    "is_terminal": lambda g, r, ctx, u: r.random() < 0.3,
    "webhook_duration": lambda g, r, ctx, u: r.randrange(20, 10000),
    "raw_response": _choice(['{"error":"rate limited"}', "Internal Server Error", '{"status":"unavailable"}']),
    # An agent call: token counts that add up, prompts and answers of a few hundred characters.
    "prompt_tokens": lambda g, r, ctx, u: ctx.setdefault("prompt_tokens", r.randrange(200, 4000)),
    "completion_tokens": lambda g, r, ctx, u: ctx.setdefault("completion_tokens", r.randrange(20, 800)),
    "reasoning_tokens": lambda g, r, ctx, u: r.randrange(0, 400),
    "cache_tokens": lambda g, r, ctx, u: r.choice([0, 0, 1024, 2048]),
    "cache_hit": lambda g, r, ctx, u: r.random() < 0.3,
    "total_tokens": lambda g, r, ctx, u: ctx.setdefault("prompt_tokens", r.randrange(200, 4000))
                                         + ctx.setdefault("completion_tokens", r.randrange(20, 800)),
    "llm_owned_by_customer": lambda g, r, ctx, u: r.random() < 0.5,
    "invocation_source": _choice(["canvas", "catalog", "test"]),
    "provider_request_id": lambda g, r, ctx, u: f"req_{r.getrandbits(96):024x}",
    "input": lambda g, r, ctx, u: f"Suggest three products for a customer who last bought SKU-{r.randrange(10000):05d}.",
    "output": _choice(["SKU-00017, TD-42, SKU-01234", "おすすめ: TD-7、TD-42", "No suitable products found."]),
    "random_bucket_number": lambda g, r, ctx, u: r.randrange(10000),
    "prev_random_bucket_number": lambda g, r, ctx, u: r.randrange(10000),
}


def envelopes(gen: Generator, target_bytes: int, pretty: bool, max_events: int = 0):
    """Yields the output text piece by piece, so that any size can be produced in constant memory; stops at
    target_bytes, or after max_events events when that is set (the last batch is cut to fit)."""
    r = gen.r
    written = 0
    produced = 0
    # Treasure Data ignores records more than 7 days older than their arrival: a delivery to it holds the
    # last few days only (a day of margin, as the batch's two minutes and the sending take time).
    span = 6 * 86400 if gen.td_postback else YEAR
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    if pretty:
        head = '{\n  "events": [\n'
        yield head
        written += len(head.encode())
        first = True
    while (produced < max_events) if max_events else (written < target_bytes):
        # A batch covers a couple of minutes: Braze flushes every few seconds, so times in one body are close.
        start = gen.now - r.randrange(120, span)
        count = min(EVENTS_PER_BATCH, max_events - produced) if max_events else EVENTS_PER_BATCH
        produced += count
        times = sorted(start + r.randrange(120) for _ in range(count))
        events = [gen.event(t) for t in times]
        if pretty:
            parts = []
            for e in events:
                text = json.dumps(e, ensure_ascii=False, indent=2).replace("\n", "\n    ")
                parts.append(("    " if first else ",\n    ") + text)
                first = False
            chunk = "".join(parts)
        else:
            chunk = '{"events":[' + ",".join(dumps(e) for e in events) + "]}\n"
        written += len(chunk.encode())
        yield chunk, len(events)
    if pretty:
        yield "\n  ]\n}\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=float, default=100, help="stop after this many MB (10^6 bytes); default 100")
    ap.add_argument("--events", type=int, default=0, help="stop after this many events instead (--size-mb is ignored)")
    ap.add_argument("--td-postback", action="store_true",
                    help="what Braze sends Treasure Data: every user with an external_user_id, times in the 6 days "
                         "before --now")
    ap.add_argument("--seed", type=int, default=20241123, help="random seed (same seed, same bytes)")
    ap.add_argument("--now", type=int, default=DEFAULT_NOW,
                    help=f"epoch seconds that count as now: times fall in the year before it (default {DEFAULT_NOW})")
    ap.add_argument("--pretty", action="store_true", help="one pretty-printed envelope instead of JSON Lines")
    ap.add_argument("-o", "--output", default="-", help="output file (default: standard output)")
    ap.add_argument("--catalogue", default=str(CATALOGUE), help="the event catalogue (default: the repository's)")
    args = ap.parse_args()

    catalogue = json.loads(Path(args.catalogue).read_text(encoding="utf-8"))["events"]
    gen = Generator(catalogue, args.seed, args.now, args.td_postback)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="\n")
    events = 0
    with out:
        buffered = []
        for piece in envelopes(gen, int(args.size_mb * MB), args.pretty, args.events):
            if isinstance(piece, tuple):
                piece, n = piece
                events += n
            buffered.append(piece)
            if len(buffered) >= 64:
                out.write("".join(buffered))
                buffered.clear()
        out.write("".join(buffered))
    print(f"generate_payload: {events} events, seed {args.seed}, now {args.now}"
          + ("" if args.output == "-" else f" -> {args.output}"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
