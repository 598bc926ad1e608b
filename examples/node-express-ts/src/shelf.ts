export interface Book {
  title: string;
  pages: number;
}

export const shelf: Book[] = [
  { title: "The Long Way Round", pages: 412 },
  { title: "Small Gods", pages: 284 },
  { title: "A Short Walk", pages: 96 },
];

export function shorterThan(books: Book[], pages: number): Book[] {
  return books.filter((b) => b.pages < pages).sort((a, b) => a.pages - b.pages);
}
