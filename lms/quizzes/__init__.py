"""Quizzes: question bank, question types, attempts, grading, GIFT, item analysis."""
