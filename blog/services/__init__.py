"""Operations that span documents or reach outside the database: the audit
history's writer (``audit``) and reader (``history``), who is logged in
(``sessions``), accounts and roles (``accounts``), kudos points (``points``),
the admin statistics (``stats``) and the feed of changes (``activity``).
Pages, the API and the commands all call these, so each rule lives once.
"""
