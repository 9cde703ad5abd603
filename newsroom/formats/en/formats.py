"""English dates as the public site has always printed them: "December 5, 2026", "5:00 PM".

Only the formats the site's templates name; the rest stay Django's.
"""

DATE_FORMAT = "F j, Y"
TIME_FORMAT = "g:i A"
YEAR_MONTH_FORMAT = "F Y"
