"""Campaigns: who they reach (`audience`), sending them exactly once at the set rate
(`sending`), and what they did (`results`)."""
