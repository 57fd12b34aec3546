"""Cases of false or inaccurate reporting: the chain from detection to the outlet's correction
(`cases.chain`), the evidence kept of the page (`cases.evidence`; how each platform's public
copy of a post is read and "removed" told: `cases.public_copy`), and the draft response letter
(`cases.letter`)."""
