"""Meta's documented enums and limits that the desired-state model enforces.

Sources are Meta's WhatsApp Business Platform docs as summarised in shared/reference/META-API.md; where
the OpenAPI spec disagrees (profile description 256 vs 512, upper-case verification statuses) the docs win.
"""

from __future__ import annotations

# Business profile (META-API.md §4.4)
PROFILE_ABOUT_MAX = 139
PROFILE_ADDRESS_MAX = 256
PROFILE_DESCRIPTION_MAX = 512  # the spec says 256; Meta's docs say 512
PROFILE_EMAIL_MAX = 128
PROFILE_WEBSITES_MAX = 2
PROFILE_WEBSITE_MAX = 256
PROFILE_PICTURE_MAX_BYTES = 5 * 1024 * 1024

VERTICALS = (
    "ALCOHOL", "APPAREL", "AUTO", "BEAUTY", "EDU", "ENTERTAIN", "EVENT_PLAN", "FINANCE", "GOVT",
    "GROCERY", "HEALTH", "HOTEL", "NONPROFIT", "ONLINE_GAMBLING", "OTC_DRUGS", "OTHER",
    "PHYSICAL_GAMBLING", "PROF_SERVICES", "RESTAURANT", "RETAIL", "TRAVEL",
)  # fmt: skip

# Local storage regions accepted by /register (META-API.md §4.1)
DATA_LOCALIZATION_REGIONS = (
    "AE", "AU", "BH", "BR", "CA", "CH", "DE", "GB", "ID", "IN", "JP", "KR", "SG", "ZA",
)  # fmt: skip

ACCOUNT_REVIEW_STATUSES = ("APPROVED", "PENDING", "REJECTED")
# Lower-case, as the Graph API returns them; the spec's upper-case enum is wrong (META-API.md §3.1).
BUSINESS_VERIFICATION_STATUSES = (
    "expired", "failed", "ineligible", "not_verified", "pending", "pending_need_more_info",
    "pending_submission", "rejected", "revoked", "verified",
)  # fmt: skip

CODE_METHODS = ("SMS", "VOICE")

# Display names: 2-75 characters for new_display_name (spec S:3434).
DISPLAY_NAME_MIN = 2
DISPLAY_NAME_MAX = 75

# Message templates (META-API.md §5)
TEMPLATE_NAME_MAX = 512
TEMPLATE_NAME_PATTERN = r"^[a-z0-9_]+$"
TEMPLATE_CATEGORIES = ("AUTHENTICATION", "MARKETING", "UTILITY")
TEMPLATE_PARAMETER_FORMATS = ("NAMED", "POSITIONAL")
TEMPLATE_COMPONENT_TYPES = ("HEADER", "BODY", "FOOTER", "BUTTONS")
TEMPLATE_HEADER_FORMATS = ("TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION")
TEMPLATE_BUTTON_TYPES = (
    "QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP", "FLOW", "CATALOG", "MPM", "VOICE_CALL",
)  # fmt: skip
TEMPLATE_BODY_MAX = 1024
TEMPLATE_HEADER_TEXT_MAX = 60
TEMPLATE_FOOTER_MAX = 60
TEMPLATE_BUTTONS_MAX = 10
TEMPLATE_BUTTON_TEXT_MAX = 25

# Languages Meta accepts for templates.
TEMPLATE_LANGUAGES = (
    "af", "sq", "ar", "az", "bn", "bg", "ca", "zh_CN", "zh_HK", "zh_TW", "hr", "cs", "da", "nl", "en",
    "en_GB", "en_US", "et", "fil", "fi", "fr", "ka", "de", "el", "gu", "ha", "he", "hi", "hu", "id", "ga",
    "it", "ja", "kn", "kk", "rw_RW", "ko", "ky_KG", "lo", "lv", "lt", "mk", "ms", "ml", "mr", "nb", "fa",
    "pl", "pt_BR", "pt_PT", "pa", "ro", "ru", "sr", "sk", "sl", "es", "es_AR", "es_ES", "es_MX", "sw",
    "sv", "ta", "te", "th", "tr", "uk", "ur", "uz", "vi", "zu",
)  # fmt: skip

# Webhook override callback (META-API.md §6)
OVERRIDE_CALLBACK_MAX = 200

API_VERSION_PATTERN = r"^v[0-9]+\.[0-9]+$"
DEFAULT_API_VERSION = "v23.0"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
