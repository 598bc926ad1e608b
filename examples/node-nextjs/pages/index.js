import Image from "next/image";
import { nextHighTides } from "../lib/tides";

export async function getStaticProps() {
  // high water at 04:10, asked from 09:00
  return { props: { tides: nextHighTides(4 * 60 + 10, 9 * 60) } };
}

export default function Home({ tides }) {
  return (
    <main>
      <h1>Tide tables</h1>
      <Image src="/wave.png" alt="wave" width={16} height={16} />
      <ul>
        {tides.map((t) => (
          <li key={t}>high water {t}</li>
        ))}
      </ul>
    </main>
  );
}
