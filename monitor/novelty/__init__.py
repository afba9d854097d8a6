"""Novelty: is an article a new development, an update, or a repeat of what is known?"""
