"""Armenian dates: "5 դեկտեմբերի 2026 թ.", times on the 24-hour clock.

Django ships no formats for Armenian. A date names its month in the genitive
(`E`: Django's "alt. month" names, which locale/hy gives as "դեկտեմբերի"), after
the day and before the year with "թ." (թվական), as the Language Committee of
Armenia recommends for dates standing alone and as Armenian newspapers print
them; a month with its year alone ("Դեկտեմբեր 2026") stays in the nominative.
"""

DATE_FORMAT = "j E Y թ."
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j E Y թ., H:i"
YEAR_MONTH_FORMAT = "F Y թ."
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-12-05', what <input type="date"> sends
    "%d.%m.%Y",  # '05.12.2026'
    "%d.%m.%y",  # '05.12.26'
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
