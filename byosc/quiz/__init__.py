"""Practice quizzes mined from a course's indexed material, and their grading."""
