"""Review: the centre's verdict on each story (relevant? true? which unit verifies, by when?),
one set of operations (`review.service`) given from Telegram's buttons (`review.bot`,
`review.buttons`), Zalo's short-code replies (`review.zalo`) or the console, and the working
days its deadlines count (`review.workdays`)."""
