"""What students tell a course: thumbs up or down on answers, and the questions its
material does not cover, grouped into the gaps an instructor can fill."""
