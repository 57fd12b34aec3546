"""Cases of false or inaccurate reporting: the chain from detection to the outlet's correction
(`cases.chain`), the evidence kept of the page (`cases.evidence`), and the draft response letter
(`cases.letter`)."""
